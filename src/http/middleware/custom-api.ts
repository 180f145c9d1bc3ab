// The contract of a middleware registered by a library embedder (`start({ middlewares })`): the
// same phases the built-in ones have, seen through small views that expose no internal class.
import type { Logger } from '../../observe/logger.js';
import type { MaybePromise } from '../../state/state-store.js';

/** Header fields of a request or a response; names are case-insensitive. */
export interface HeaderView {
  /** the first value of the field, or undefined */
  get(name: string): string | undefined;
  /** every value of the field, in order */
  getAll(name: string): string[];
  has(name: string): boolean;
  /** replaces every field of that name with one (framing fields and Host are refused: TypeError) */
  set(name: string, value: string): void;
  /** adds a field, keeping those already there */
  append(name: string, value: string): void;
  delete(name: string): void;
  /** [name, value] pairs as they stand, names as sent */
  entries(): Array<[string, string]>;
}

/** The request as a middleware sees it, on HTTP/1.1 and HTTP/2 alike. */
export interface RequestView {
  readonly method: string;
  /** the path sent upstream, without the query; setting it rewrites the request (a path starting with "/") */
  path: string;
  /** the query string without "?", or "" */
  readonly query: string;
  /** the host the client asked for, lower-cased, without port */
  readonly host: string;
  /** the client's address (after PROXY protocol and trusted proxies) */
  readonly clientIp: string;
  /** "HTTP/1.0", "HTTP/1.1" or "HTTP/2" */
  readonly protocol: string;
  readonly headers: HeaderView;
}

/** A response head on its way to the client: the backend's, or an answer of Fulcrum's own. */
export interface ResponseView {
  readonly status: number;
  readonly headers: HeaderView;
  readonly request: RequestView;
}

/** A complete answer a middleware gives instead of forwarding the request. */
export interface LocalResponse {
  status: number;
  headers?: Readonly<Record<string, string>>;
  /** text (sent as UTF-8) or bytes; none = empty */
  body?: string | Uint8Array;
}

/** What a middleware does; both phases are optional. */
export interface Middleware {
  /**
   * Before the request is forwarded: change its headers or path, or answer it (return a
   * LocalResponse). Return nothing to go on. A promise makes the request wait (the route's response
   * timeout bounds the wait: 504); a throw or a rejection answers 500 and is logged.
   */
  onRequest?(request: RequestView): MaybePromise<LocalResponse | null | undefined>;
  /** On the response head, before it is sent: change its headers. Synchronous. */
  onResponse?(response: ResponseView): void;
}

/** What a factory is told about where its middleware is used. */
export interface MiddlewareContext {
  /** the entry's name in the config's `middlewares:` map */
  readonly name: string;
  /** "listener/route": the route being compiled (the factory is called once per route using it, at load and each reload) */
  readonly route: string;
  readonly logger: Logger;
}

export type MiddlewareFactory = (options: Readonly<Record<string, unknown>>, context: MiddlewareContext) => Middleware;
