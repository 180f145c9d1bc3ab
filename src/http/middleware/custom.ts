// A registered middleware (custom-api.ts) in a compiled chain: its phases become a RequestPhase and a
// ResponsePhase, the request and response are shown through views over the head and its fields.
import type { CustomMiddlewareConfig } from '../../config/middleware-types.js';
import type { Logger } from '../../observe/logger.js';
import { isPromise } from '../../state/state-store.js';
import { allIn, isFieldValue, TARGET, TOKEN } from '../h1/chars.js';
import type { FieldList } from '../h1/fields.js';
import type { Answer, RequestPhase, ResponsePhase, Verdict } from './chain.js';
import type { HeaderView, LocalResponse, Middleware, MiddlewareFactory, RequestView } from './custom-api.js';
import { removeField } from './field-ops.js';
import { setPath } from './rewrite.js';
import type { ChainClient, ChainRun } from './run.js';

/** The registered factories of one Fulcrum, and the logger their context gets. */
export interface CustomMiddlewares {
  readonly factories: ReadonlyMap<string, MiddlewareFactory>;
  readonly logger: Logger;
}

/** Fields a middleware may not set: they frame the message or the connection (Host is the authority Fulcrum routes on). */
const RESERVED = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'te', 'trailer', 'upgrade', 'proxy-connection', 'host']);

export class CustomMiddleware implements RequestPhase, ResponsePhase {
  private readonly middleware: Middleware;

  constructor(
    readonly name: string,
    settings: CustomMiddlewareConfig,
    custom: CustomMiddlewares | undefined,
    route: string,
  ) {
    const factory = custom?.factories.get(settings.name);
    if (factory === undefined) throw new Error(`middleware '${name}': no middleware is registered as '${settings.name}'`);
    this.middleware = factory(settings.options, { name, route, logger: custom!.logger });
    if (typeof this.middleware !== 'object' || this.middleware === null) throw new Error(`middleware '${name}': its factory returned no middleware`);
  }

  get hasRequestPhase(): boolean {
    return typeof this.middleware.onRequest === 'function';
  }

  get hasResponsePhase(): boolean {
    return typeof this.middleware.onResponse === 'function';
  }

  onRequest(run: ChainRun<ChainClient>): Verdict | Promise<Verdict> {
    const result = this.middleware.onRequest!(requestView(run));
    if (isPromise(result)) return result.then(toVerdict);
    return toVerdict(result);
  }

  onResponseHead(run: ChainRun<ChainClient>, status: number, fields: FieldList): void {
    this.middleware.onResponse!({ status, headers: new Fields(fields), request: requestView(run) });
  }
}

function requestView(run: ChainRun<ChainClient>): Request {
  return (run.view ??= new Request(run)) as Request;
}

function toVerdict(response: LocalResponse | null | undefined): Answer | null {
  if (response === null || response === undefined) return null;
  const status = response.status;
  if (!Number.isInteger(status) || status < 200 || status > 599) throw new TypeError(`a local response needs a status 200-599, got ${String(status)}`);
  const fields: Array<[string, string]> = [];
  for (const [name, value] of Object.entries(response.headers ?? {})) {
    checkField(name, value);
    fields.push([name, value]);
  }
  const body = response.body ?? '';
  const binary = typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  return { status, fields, body: '', binary };
}

function checkField(name: string, value: string): void {
  if (typeof name !== 'string' || name === '' || !allIn(name, 0, name.length, TOKEN)) throw new TypeError(`invalid header name ${JSON.stringify(name)}`);
  if (RESERVED.has(name.toLowerCase())) throw new TypeError(`header '${name}' frames the message or the connection and cannot be set by a middleware`);
  if (typeof value !== 'string' || !isFieldValue(value, 0, value.length)) throw new TypeError(`invalid value for header '${name}'`);
}

class Fields implements HeaderView {
  constructor(private readonly fields: FieldList) {}

  get(name: string): string | undefined {
    return this.fields.get(name.toLowerCase());
  }

  getAll(name: string): string[] {
    const lower = name.toLowerCase();
    const out: string[] = [];
    const { lower: names, values } = this.fields;
    for (let i = 0; i < names.length; i++) if (names[i] === lower) out.push(values[i]!);
    return out;
  }

  has(name: string): boolean {
    return this.fields.get(name.toLowerCase()) !== undefined;
  }

  set(name: string, value: string): void {
    checkField(name, value);
    const lower = name.toLowerCase();
    removeField(this.fields, lower);
    this.fields.push(name, lower, value);
  }

  append(name: string, value: string): void {
    checkField(name, value);
    this.fields.push(name, name.toLowerCase(), value);
  }

  delete(name: string): void {
    const lower = name.toLowerCase();
    if (RESERVED.has(lower)) throw new TypeError(`header '${name}' frames the message or the connection and cannot be removed by a middleware`);
    removeField(this.fields, lower);
  }

  entries(): Array<[string, string]> {
    const { names, values } = this.fields;
    return names.map((name, i): [string, string] => [name, values[i]!]);
  }
}

class Request implements RequestView {
  readonly headers: HeaderView;

  constructor(private readonly run: ChainRun<ChainClient>) {
    this.headers = new Fields(run.head.fields);
  }

  get method(): string {
    return this.run.head.method;
  }

  get path(): string {
    return this.run.head.path;
  }

  set path(path: string) {
    if (typeof path !== 'string' || path.charCodeAt(0) !== 0x2f || path.includes('?') || !allIn(path, 0, path.length, TARGET)) {
      throw new TypeError(`expected a path starting with "/" without query or spaces, got ${JSON.stringify(path)}`);
    }
    setPath(this.run.head, path);
  }

  get query(): string {
    return this.run.head.query;
  }

  get host(): string {
    return this.run.head.host;
  }

  get clientIp(): string {
    return this.run.clientIp;
  }

  get protocol(): string {
    const version = this.run.head.version;
    return version === 10 ? 'HTTP/1.0' : version === 11 ? 'HTTP/1.1' : 'HTTP/2';
  }
}
