// A udp listener: each client address (ip:port) is a session bound to one backend chosen by the
// service's algorithm. Datagrams go to the backend from a socket of the session's own, replies go
// back to the client from the listener's socket (so from the address the client wrote to).
// A session ends after `sessionTimeout` of silence either way; the table is bounded by `maxSessions`.
// With `replyTimeout`, a datagram the backend leaves unanswered that long ends the session as a
// timeout, which passive health counts as a failure (a backend that drops packets gets ejected).
// A reload keeps the socket and swaps the service and session settings for new sessions; live
// sessions go on with the backend and timeout they started with.
import dgram from 'node:dgram';
import { isIPv6, type AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { PickContext } from '../balancing/balancer.js';
import type { UdpListenerConfig } from '../config/types.js';
import { deadlines, type HasDeadline } from '../net/deadlines.js';
import type { RunningListener } from '../listener-factory.js';
import type { Logger } from '../observe/logger.js';
import type { Backend } from '../pool/backend.js';
import type { Service } from '../pool/service.js';
import { RemovedBackendSweep } from './removed-backends.js';
import type { ListenerStats } from '../observe/traffic-stats.js';
import type { WorkerSocket } from '../net/listen.js';

const NONE: readonly Backend[] = [];
/** datagrams kept while a session's socket is connecting */
const MAX_QUEUED = 64;

/** What a new session starts with; replaced whole by a reload. */
interface UdpListenerState {
  readonly config: UdpListenerConfig;
  readonly service: Service;
}

export class UdpListener implements RunningListener {
  readonly socket: dgram.Socket;
  readonly sessions = new Map<string, UdpSession>();
  /** datagrams dropped: session table full, no backend, queue full */
  dropped = 0;
  private state: UdpListenerState;
  private readonly sweep: RemovedBackendSweep<UdpSession>;

  constructor(
    config: UdpListenerConfig,
    services: ReadonlyMap<string, Service>,
    private readonly logger: Logger,
    /** sessions started (accepted) and live (active), for /metrics; null: not counted */
    readonly stats: ListenerStats | null = null,
  ) {
    this.state = buildState(config, services);
    this.sweep = new RemovedBackendSweep(() => this.sessions.values(), endSession, services);
    // with worker threads every worker binds the port (SO_REUSEPORT): the kernel keeps a client's datagrams on one of them
    const reusePort = (config as { socket?: WorkerSocket }).socket?.reusePort === true;
    this.socket = dgram.createSocket({ type: isIPv6(config.address.host) ? 'udp6' : 'udp4', ...(reusePort ? { reusePort: true } : {}) } as dgram.SocketOptions);
    this.socket.on('message', this.onMessage);
    this.socket.on('error', (error) => this.logger.warn({ listener: this.state.config.name, err: error }, 'udp listener error'));
  }

  prepareUpdate(config: UdpListenerConfig, services: ReadonlyMap<string, Service>): () => void {
    const next = buildState(config, services);
    return () => {
      this.state = next;
      this.sweep.setServices(services);
    };
  }

  listen(): Promise<AddressInfo> {
    const { host, port } = this.state.config.address;
    return new Promise((resolve, reject) => {
      this.socket.once('error', reject);
      this.socket.bind(port, host, () => {
        this.socket.off('error', reject);
        this.sweep.start();
        resolve(this.socket.address());
      });
    });
  }

  close(): Promise<void> {
    this.sweep.stop();
    for (const session of this.sessions.values()) session.end();
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }

  private readonly onMessage = (msg: Buffer, from: dgram.RemoteInfo): void => {
    const key = from.address + ' ' + from.port;
    let session = this.sessions.get(key);
    if (session === undefined) {
      const { config, service } = this.state;
      if (this.sessions.size >= config.maxSessions) {
        this.dropped++;
        return;
      }
      const ctx: PickContext = { clientIp: from.address, key: from.address };
      const backend = service.balancer.pick(ctx, NONE);
      if (backend === undefined) {
        this.dropped++;
        return;
      }
      session = new UdpSession(this, service, backend, key, from.address, from.port, config.sessionTimeout, config.replyTimeout);
      this.sessions.set(key, session);
      const stats = this.stats;
      if (stats !== null) {
        stats.accepted++;
        stats.active++;
      }
    }
    session.toBackend(msg);
  };
}

function buildState(config: UdpListenerConfig, services: ReadonlyMap<string, Service>): UdpListenerState {
  const service = services.get(config.service);
  if (service === undefined) throw new Error(`listener ${config.name}: unknown service '${config.service}'`);
  return { config, service };
}

function endSession(session: UdpSession): void {
  session.end();
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
  /** when the oldest datagram the backend has not answered yet was sent (ms epoch); 0: none */
  private awaitingSince = 0;

  constructor(
    private readonly listener: UdpListener,
    readonly service: Service,
    private readonly backend: Backend,
    private readonly key: string,
    private readonly clientAddress: string,
    private readonly clientPort: number,
    /** silence either way for this long ends the session (the listener's sessionTimeout when it started) */
    private readonly timeout: number,
    /** 0: off; else a datagram left unanswered this long ends the session as a timeout (passive health) */
    private readonly replyTimeout: number,
  ) {
    service.startOn(backend);
    const sweep = Math.min(timeout, Math.ceil(timeout / 8));
    this.checkEvery = Math.max(100, replyTimeout > 0 ? Math.min(sweep, Math.ceil(replyTimeout / 4)) : sweep);
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
    if (this.awaitingSince === 0 && this.replyTimeout > 0) this.awaitingSince = Date.now();
    if (this.queue !== null) {
      if (this.queue.length < MAX_QUEUED) this.queue.push(msg);
      else this.listener.dropped++;
      return;
    }
    this.upstream.send(msg);
  }

  onDeadline(now: number): void {
    if (this.awaitingSince !== 0 && now - this.awaitingSince >= this.replyTimeout) {
      // the client's next datagram (a retry) starts a new session, on a backend the balancer picks again
      this.end('timeout');
      return;
    }
    if (this.activity !== this.seenActivity) {
      this.seenActivity = this.activity;
      this.lastActiveAt = now;
    }
    if (now - this.lastActiveAt >= this.timeout) {
      this.end(this.awaitingSince === 0 ? 'success' : 'timeout');
      return;
    }
    this.deadline = now + this.checkEvery;
  }

  get currentBackend(): Backend | null {
    return this.ended ? null : this.backend;
  }

  end(outcome: 'success' | 'failure' | 'timeout' = 'success'): void {
    if (this.ended) return;
    this.ended = true;
    deadlines.delete(this);
    if (this.listener.sessions.get(this.key) === this) this.listener.sessions.delete(this.key);
    if (this.listener.stats !== null) this.listener.stats.active--;
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
    this.awaitingSince = 0;
    this.listener.socket.send(msg, this.clientPort, this.clientAddress);
  };

  private readonly onError = (): void => {
    this.end('failure');
  };
}
