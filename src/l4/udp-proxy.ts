// A udp listener: each client address (ip:port) is a session bound to one backend chosen by the
// service's algorithm. Datagrams go to the backend from a socket of the session's own, replies go
// back to the client from the listener's socket (so from the address the client wrote to).
// A session ends after `sessionTimeout` of silence either way; the table is bounded by `maxSessions`.
import dgram from 'node:dgram';
import { isIPv6, type AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { PickContext } from '../balancing/balancer.js';
import type { UdpListenerConfig } from '../config/types.js';
import { deadlines, type HasDeadline } from '../http/deadlines.js';
import type { RunningListener } from '../listener-factory.js';
import type { Logger } from '../observe/logger.js';
import type { Backend } from '../pool/backend.js';
import type { Service } from '../pool/service.js';

const NONE: readonly Backend[] = [];
/** datagrams kept while a session's socket is connecting */
const MAX_QUEUED = 64;

export class UdpListener implements RunningListener {
  readonly socket: dgram.Socket;
  readonly sessions = new Map<string, UdpSession>();
  /** datagrams dropped: session table full, no backend, queue full */
  dropped = 0;
  private readonly service: Service;

  constructor(
    readonly config: UdpListenerConfig,
    services: ReadonlyMap<string, Service>,
    private readonly logger: Logger,
  ) {
    const service = services.get(config.service);
    if (service === undefined) throw new Error(`listener ${config.name}: unknown service '${config.service}'`);
    this.service = service;
    this.socket = dgram.createSocket({ type: isIPv6(config.address.host) ? 'udp6' : 'udp4' });
    this.socket.on('message', this.onMessage);
    this.socket.on('error', (error) => this.logger.warn({ listener: config.name, err: error }, 'udp listener error'));
  }

  listen(): Promise<AddressInfo> {
    const { host, port } = this.config.address;
    return new Promise((resolve, reject) => {
      this.socket.once('error', reject);
      this.socket.bind(port, host, () => {
        this.socket.off('error', reject);
        resolve(this.socket.address());
      });
    });
  }

  close(): Promise<void> {
    for (const session of this.sessions.values()) session.end();
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }

  private readonly onMessage = (msg: Buffer, from: dgram.RemoteInfo): void => {
    const key = from.address + ' ' + from.port;
    let session = this.sessions.get(key);
    if (session === undefined) {
      if (this.sessions.size >= this.config.maxSessions) {
        this.dropped++;
        return;
      }
      const ctx: PickContext = { clientIp: from.address, key: from.address };
      const backend = this.service.balancer.pick(ctx, NONE);
      if (backend === undefined) {
        this.dropped++;
        return;
      }
      session = new UdpSession(this, this.service, backend, key, from.address, from.port);
      this.sessions.set(key, session);
    }
    session.toBackend(msg);
  };
}

class UdpSession implements HasDeadline {
  deadline = 0;
  private readonly upstream: dgram.Socket;
  private queue: Buffer[] | null = [];
  private activity = 0;
  private seenActivity = 0;
  private lastActiveAt = Date.now();
  private readonly checkEvery: number;
  private readonly startedAt = performance.now();
  private ended = false;

  constructor(
    private readonly listener: UdpListener,
    private readonly service: Service,
    private readonly backend: Backend,
    private readonly key: string,
    private readonly clientAddress: string,
    private readonly clientPort: number,
  ) {
    service.startOn(backend);
    const timeout = listener.config.sessionTimeout;
    this.checkEvery = Math.max(100, Math.min(timeout, Math.ceil(timeout / 8)));
    this.deadline = this.lastActiveAt + this.checkEvery;
    deadlines.add(this);
    const upstream = dgram.createSocket({ type: isIPv6(backend.host) ? 'udp6' : 'udp4' });
    this.upstream = upstream;
    upstream.on('message', this.onReply);
    upstream.on('error', this.onError); // e.g. ECONNREFUSED from an ICMP port unreachable
    upstream.connect(backend.port, backend.host, this.onConnect);
  }

  toBackend(msg: Buffer): void {
    this.activity++;
    if (this.queue !== null) {
      if (this.queue.length < MAX_QUEUED) this.queue.push(msg);
      else this.listener.dropped++;
      return;
    }
    this.upstream.send(msg);
  }

  onDeadline(now: number): void {
    if (this.activity !== this.seenActivity) {
      this.seenActivity = this.activity;
      this.lastActiveAt = now;
    }
    if (now - this.lastActiveAt >= this.listener.config.sessionTimeout) {
      this.end();
      return;
    }
    this.deadline = now + this.checkEvery;
  }

  end(outcome: 'success' | 'failure' = 'success'): void {
    if (this.ended) return;
    this.ended = true;
    deadlines.delete(this);
    if (this.listener.sessions.get(this.key) === this) this.listener.sessions.delete(this.key);
    this.upstream.close();
    this.service.endOn(this.backend, outcome, performance.now() - this.startedAt, 0);
  }

  private readonly onConnect = (): void => {
    const queue = this.queue!;
    this.queue = null;
    if (this.ended) return;
    for (const msg of queue) this.upstream.send(msg);
  };

  private readonly onReply = (msg: Buffer): void => {
    this.activity++;
    this.listener.socket.send(msg, this.clientPort, this.clientAddress);
  };

  private readonly onError = (): void => {
    this.end('failure');
  };
}
