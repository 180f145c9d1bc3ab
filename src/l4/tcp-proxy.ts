// One proxied TCP connection: client <-> backend, byte for byte. The client socket arrives paused
// and is resumed once the backend is connected, so nothing is buffered here; each direction pauses
// its source when the destination's write() returns false and resumes it on 'drain'. FINs are
// propagated per direction (half-close). Handlers are bound once per connection, none per chunk.
import type net from 'node:net';
import { Attempt, Failure, type AttemptHandler } from '../attempt/attempt.js';
import { deadlines, type HasDeadline } from '../net/deadlines.js';
import type { Backend } from '../pool/backend.js';
import type { Service } from '../pool/service.js';
import type { ProxiedAddresses } from '../net/proxy-protocol.js';
import { connectUpstream } from './upstream-connect.js';
import { readIntoBuffers } from '../net/socket-reads.js';
import { SocketWriter } from '../net/socket-writes.js';

const READ_BUFFER_SIZE = 64 * 1024;
/** clients mostly send little (requests, not bodies): a smaller buffer per connection suffices */
const CLIENT_READ_BUFFER_SIZE = 16 * 1024;

/** What a session needs from its listener: the live set it joins when it starts and leaves when it ends. */
export interface TcpSessionHost {
  join(session: TcpSession): void;
  leave(session: TcpSession): void;
}

export class TcpSession implements HasDeadline, AttemptHandler {
  deadline = 0;
  private upstream: net.Socket | null = null;
  private upstreamWriter: SocketWriter | null = null;
  private readonly clientWriter: SocketWriter;
  private readonly attempt: Attempt;
  private connected = false;
  private clientClosed = false;
  private clientEnded = false;
  /** where the next backend read lands; null once the last one is still queued in the client socket */
  private readBuffer: Buffer | null = null;
  /** the same for the client's reads (when the socket reads into buffers: net/socket-reads.ts) */
  private clientBuffer: Buffer | null = null;
  /** bumped on every chunk either way; the idle check compares it instead of reading the clock per chunk */
  private activity = 0;
  private seenActivity = 0;
  private lastActiveAt = 0;
  private readonly checkEvery: number;

  constructor(
    private readonly client: net.Socket,
    readonly service: Service,
    private readonly clientIp: string,
    /** for a PROXY header to the backend: the client as the listener saw it (or as a trusted proxy told) */
    private readonly addresses: ProxiedAddresses | null,
    private readonly host: TcpSessionHost,
    /** bytes already read from the client (a ClientHello, what followed a PROXY header) */
    private initial: Buffer | null,
    /** no byte either way for this long: closed (the listener's timeouts.idle when the session started) */
    private readonly idleMs: number,
  ) {
    this.checkEvery = Math.max(100, Math.min(idleMs, Math.ceil(idleMs / 8)));
    this.clientWriter = new SocketWriter(client);
    this.attempt = new Attempt(service, this, clientIp, '', false, null);
  }

  /** the backend of the current attempt, then of the connection; null once released */
  get currentBackend(): Backend | null {
    return this.attempt.backend;
  }

  /** The client socket must be paused (pauseOnConnect, or paused by whoever read from it). */
  start(): void {
    const client = this.client;
    client.setNoDelay(true);
    if (!readIntoBuffers(client, this.onClientRead, this.nextClientBuffer)) client.on('data', this.onClientData);
    client.on('end', this.onClientEnd);
    client.on('drain', this.onClientDrain);
    client.on('error', noop);
    client.on('close', this.onClientClose);
    client.pause();
    this.host.join(this);
    deadlines.add(this);
    this.attempt.start(undefined);
  }

  destroy(): void {
    this.client.destroy();
    this.upstream?.destroy();
  }

  onDeadline(now: number): void {
    if (!this.connected) {
      this.upstream?.destroy(); // connect timeout: 'close' moves on to the next candidate
      return;
    }
    if (this.activity !== this.seenActivity) {
      this.seenActivity = this.activity;
      this.lastActiveAt = now;
    }
    if (now - this.lastActiveAt >= this.idleMs) {
      this.destroy();
      return;
    }
    this.deadline = now + this.checkEvery;
  }

  // --- the attempt's side (AttemptHandler) ---

  /** Every algorithm works for L4: hash algorithms hash the client's address. */
  attemptKey(): string {
    return this.clientIp;
  }

  attemptOn(backend: Backend): void {
    const service = this.service;
    this.deadline = deadlines.at(service.config.timeouts.connect);
    const upstream = connectUpstream(backend, service.config, this.addresses, this);
    this.upstream = upstream;
    this.upstreamWriter = new SocketWriter(upstream);
    upstream.on('end', this.onUpstreamEnd);
    upstream.on('drain', this.onUpstreamDrain);
    upstream.on('error', noop);
    upstream.on('close', this.onUpstreamClose);
  }

  attemptRefused(): void {
    this.client.destroy();
    this.finish();
  }

  // UpstreamHandlers (see upstream-connect.ts)
  readonly nextReadBuffer = (): Buffer => (this.readBuffer ??= Buffer.allocUnsafe(READ_BUFFER_SIZE));

  readonly onConnect = (): void => {
    if (this.clientClosed) {
      this.upstream!.destroy();
      return;
    }
    this.connected = true;
    const now = Date.now();
    this.lastActiveAt = now;
    this.deadline = now + this.checkEvery;
    const upstream = this.upstream!;
    if (this.initial !== null) {
      this.upstreamWriter!.write(this.initial);
      this.initial = null;
    }
    if (this.clientEnded) upstream.end();
    else this.client.resume();
  };

  readonly onRead = (length: number, buffer: Buffer): boolean => {
    this.activity++;
    const writer = this.clientWriter;
    const ok = writer.write(length === buffer.length ? buffer : buffer.subarray(0, length));
    // still queued for the client socket: the next read must not overwrite it
    if (writer.queued !== 0) this.readBuffer = null;
    return ok;
  };

  // --- client events ---

  private readonly nextClientBuffer = (): Buffer => (this.clientBuffer ??= Buffer.allocUnsafe(CLIENT_READ_BUFFER_SIZE));

  private readonly onClientRead = (length: number, buffer: Buffer): boolean => {
    this.activity++;
    const writer = this.upstreamWriter!;
    const ok = writer.write(length === buffer.length ? buffer : buffer.subarray(0, length));
    // still queued for the upstream socket: the next read must not overwrite it
    if (writer.queued !== 0) this.clientBuffer = null;
    return ok;
  };

  private readonly onClientData = (chunk: Buffer): void => {
    this.activity++;
    if (!this.upstreamWriter!.write(chunk)) this.client.pause();
  };

  private readonly onUpstreamDrain = (): void => {
    if (!this.clientEnded) this.client.resume();
  };

  private readonly onClientDrain = (): void => {
    this.upstream?.resume();
  };

  private readonly onClientEnd = (): void => {
    this.clientEnded = true;
    if (this.connected) this.upstream!.end();
  };

  private readonly onUpstreamEnd = (): void => {
    this.client.end();
  };

  private readonly onClientClose = (hadError: boolean): void => {
    this.clientClosed = true;
    const upstream = this.upstream;
    if (upstream === null) this.finish();
    else if (hadError || !this.connected) upstream.destroy();
    else upstream.end();
  };

  private readonly onUpstreamClose = (hadError: boolean): void => {
    this.upstream = null;
    if (!this.connected) {
      // refused, unreachable or too slow: nothing was sent, the next candidate is safe to try
      if (this.clientClosed) {
        this.attempt.end('connect-failure');
        this.finish();
      } else if (!this.attempt.retryOrEnd(Failure.Connect, 'connect-failure')) {
        this.attemptRefused();
      }
      return;
    }
    this.attempt.end(hadError ? 'failure' : 'success');
    if (hadError) this.client.destroy();
    else this.client.end();
    if (this.clientClosed) this.finish();
  };

  private finish(): void {
    this.deadline = 0;
    deadlines.delete(this);
    this.host.leave(this);
    if (this.upstream === null) this.attempt.cancel();
  }
}

function noop(): void {}
