// A client that speaks raw bytes over node:net and reads responses as they arrive, so a
// test controls framing exactly and can see whether the server closed the connection.
import net from 'node:net';
import { parseResponse, type RawResponse } from './raw-response.js';

const DEFAULT_TIMEOUT = 5000;

export class RawClient {
  private buf: Buffer = Buffer.alloc(0);
  /** the server ended its side (or the socket closed) */
  ended = false;
  closed = false;
  private waiters = new Set<() => void>();

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
      this.notify();
    });
    socket.on('end', () => {
      this.ended = true;
      this.notify();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.ended = true;
      this.closed = true;
      this.notify();
    });
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new RawClient(socket));
      });
    });
  }

  write(data: string | Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data, (error) => (error ? reject(error) : resolve()));
    });
  }

  /** Bytes received and not yet consumed by `response()`. */
  get unread(): Buffer {
    return this.buf;
  }

  /** The next response (an interim 1xx is a response of its own). */
  async response(method = 'GET', timeoutMs = DEFAULT_TIMEOUT): Promise<RawResponse> {
    let result: ReturnType<typeof parseResponse>;
    await this.until(() => (result = parseResponse(this.buf, method, this.ended)) !== undefined || this.ended, timeoutMs, 'a response');
    result ??= parseResponse(this.buf, method, true);
    if (result === undefined) {
      throw new Error(`connection closed before a complete response; received ${JSON.stringify(this.buf.toString('latin1').slice(0, 300))}`);
    }
    this.buf = this.buf.subarray(result.consumed);
    return result.response;
  }

  /** Whether the server closes the connection within `timeoutMs`. */
  async closesWithin(timeoutMs: number): Promise<boolean> {
    try {
      await this.until(() => this.ended, timeoutMs, 'the connection to close');
      return true;
    } catch {
      return false;
    }
  }

  /** Resolves once `predicate` holds, checked on every socket event; rejects after `timeoutMs`. */
  until(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
    if (predicate()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!predicate()) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; received ${JSON.stringify(this.buf.toString('latin1').slice(0, 300))}`));
      }, timeoutMs);
      this.waiters.add(check);
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

export interface RawExchange extends RawResponse {
  /** the server closed the connection after the response (within `closeWaitMs`) */
  closed: boolean;
}

/**
 * Sends `bytes` on a new connection, reads one response and whether the server then closed
 * it within `closeWaitMs` (default 1 s; 0: don't wait, for connections expected to stay open).
 */
export async function rawRequest(port: number, bytes: string | Buffer, options: { method?: string; closeWaitMs?: number } = {}): Promise<RawExchange> {
  const client = await RawClient.connect(port);
  try {
    await client.write(bytes);
    const response = await client.response(options.method ?? 'GET');
    const closeWaitMs = options.closeWaitMs ?? 1000;
    const closed = closeWaitMs > 0 ? await client.closesWithin(closeWaitMs) : client.ended;
    return { ...response, closed };
  } finally {
    client.close();
  }
}
