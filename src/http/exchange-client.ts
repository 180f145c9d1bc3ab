import type net from 'node:net';
import type { Observers } from '../observe/observers.js';
import type { Peer } from './forwarding.js';

/** What an HTTP/1.1 Exchange needs from its client connection, and nothing more. */
export interface ExchangeClient {
  /** for flow control only: pause/resume, cork/uncork, and whether writes are still queued */
  readonly socket: net.Socket;
  readonly peer: Peer;
  readonly observers: Observers;
  /** the listener's Strict-Transport-Security field line ('' = none) */
  readonly hsts: string;
  /** bytes received and written since the exchange began */
  readonly exchangeBytesIn: number;
  readonly exchangeBytesOut: number;
  /** the connection closes after this response (the listener is stopping) */
  readonly closing: boolean;
  write(data: string | Buffer): boolean;
  /** bytes written and not yet taken by the kernel */
  readonly queuedBytes: number;
  /** answer with a canned error; `close` ends the connection after it */
  refuse(status: number, close: boolean, extraHeaders?: string): void;
  /** end the connection once what was written is flushed */
  closeAfterWrite(): void;
  destroy(): void;
  /** the response is fully written: the next request may start (or the connection close) */
  exchangeDone(keepAlive: boolean): void;
  /** body bytes arrived: the client's idle deadline moves */
  bodyProgress(): void;
  /** the request body is complete; `rest` belongs to the next request */
  bodyDone(rest: Buffer | null): void;
  /** a 101 was relayed: HTTP stops on this connection; returns the bytes received after the head */
  detachForTunnel(): Buffer | null;
}
