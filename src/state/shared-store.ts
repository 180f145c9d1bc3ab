// The store instances share (Redis), made safe for the data path: no call waits longer than
// `timeout`; a call that fails or is too slow marks the store down; while down, nothing is sent
// to Redis and every call is answered at once from a local MemoryStore (onError: open), or the
// calls that need shared state (rate limits, connection caps) are refused (onError: closed). A
// probe brings it back up once Redis answers in time again. One log line per transition.
import { performance } from 'node:perf_hooks';
import type { Logger } from '../observe/logger.js';
import { CallDeadlines, type Deadline } from './call-deadlines.js';
import { MemoryStore } from './memory-store.js';
import type { RedisConnectionEvents } from './redis-store.js';
import { type MaybePromise, type StateStore, StateUnavailableError, type StoreStatus, type TokenBucketResult } from './state-store.js';

/** What the shared store needs from the connection to Redis (RedisStore, or a test's stand-in). */
export interface RemoteStore extends StateStore {
  readonly ready: boolean;
  connect(): Promise<void>;
  ping(): Promise<void>;
  /** the server answered with an error (it is up; this command failed) rather than not answering */
  isReply(error: unknown): boolean;
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<string>;
  delete(key: string): Promise<void>;
  increment(key: string, by: number, ttlMs: number): Promise<number>;
  takeTokens(key: string, ratePerSecond: number, burst: number, cost: number): Promise<TokenBucketResult>;
  close(): Promise<void>;
}

export interface SharedStoreOptions {
  timeoutMs: number;
  onError: 'open' | 'closed';
  logger: Logger;
  /** for log lines: where the store is (no password) */
  where: string;
  /** how often a down store is tried again (ms) */
  probeIntervalMs?: number;
  /** what the store is, for /metrics and log lines: redis (default), or `main` (workers' state in the main thread) */
  store?: StoreStatus['store'];
}

const GET = 0;
const SET_IF_ABSENT = 1;
const INCREMENT = 2;
const TAKE_TOKENS = 3;
type Op = typeof GET | typeof SET_IF_ABSENT | typeof INCREMENT | typeof TAKE_TOKENS;

/** One call waiting for Redis: what to answer locally if Redis is not in time. */
class StoreCall implements Deadline {
  deadline = 0;
  settled = false;
  resolve!: (value: unknown) => void;
  reject!: (error: unknown) => void;
  readonly promise: Promise<unknown>;

  constructor(
    readonly op: Op,
    readonly key: string,
    readonly value: string,
    readonly a: number,
    readonly b: number,
    readonly c: number,
  ) {
    this.promise = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }
}

type Phase = 'starting' | 'up' | 'down';

export class SharedStore implements StateStore {
  private phase: Phase = 'starting';
  /** calls that got no answer from Redis (errors, timeouts) and connection failures */
  errors = 0;
  private readonly local = new MemoryStore();
  private readonly remote: RemoteStore;
  private readonly deadlines: CallDeadlines<StoreCall>;
  private probeTimer: NodeJS.Timeout | null = null;
  private probing = false;
  private closed = false;
  private readonly probeIntervalMs: number;
  private readonly waitingForUp: Array<() => void> = [];
  /** performance.now() before which a refused command is not logged again */
  private quietUntil = 0;

  constructor(
    connect: (events: RedisConnectionEvents) => RemoteStore,
    private readonly options: SharedStoreOptions,
  ) {
    this.probeIntervalMs = options.probeIntervalMs ?? 500;
    this.deadlines = new CallDeadlines<StoreCall>(options.timeoutMs, (call) => this.fallback(call, `no answer within ${options.timeoutMs} ms`));
    this.remote = connect({ ready: () => this.probe(), lost: (reason) => this.lost(reason) });
    void this.remote.connect();
  }

  /** Shared state is in use (Redis answered the last probe and no call failed since). */
  get up(): boolean {
    return this.phase === 'up';
  }

  status(): StoreStatus {
    return { store: this.options.store ?? 'redis', up: this.up, errors: this.errors };
  }

  /** Resolves once the store is up, or after `maxWaitMs` (then it goes on trying). */
  whenUp(maxWaitMs: number): Promise<void> {
    if (this.up) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, maxWaitMs);
      timer.unref();
      this.waitingForUp.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  get(key: string): MaybePromise<string | undefined> {
    if (!this.up) return this.local.get(key);
    return this.call(new StoreCall(GET, key, '', 0, 0, 0), this.remote.get(key)) as Promise<string | undefined>;
  }

  /** Written to Redis and to the local store (what this instance answers from while Redis is down); nobody waits for it. */
  set(key: string, value: string, ttlMs: number): void {
    this.local.set(key, value, ttlMs);
    if (this.up) this.remote.set(key, value, ttlMs).catch(this.writeFailed);
  }

  setIfAbsent(key: string, value: string, ttlMs: number): MaybePromise<string> {
    if (!this.up) return this.local.setIfAbsent(key, value, ttlMs);
    return this.call(new StoreCall(SET_IF_ABSENT, key, value, ttlMs, 0, 0), this.remote.setIfAbsent(key, value, ttlMs)) as Promise<string>;
  }

  delete(key: string): void {
    this.local.delete(key);
    if (this.up) this.remote.delete(key).catch(this.writeFailed);
  }

  increment(key: string, by: number, ttlMs: number): MaybePromise<number> {
    if (!this.up) {
      this.refuseIfClosed();
      return this.local.increment(key, by, ttlMs);
    }
    return this.call(new StoreCall(INCREMENT, key, '', by, ttlMs, 0), this.remote.increment(key, by, ttlMs)) as Promise<number>;
  }

  takeTokens(key: string, ratePerSecond: number, burst: number, cost: number): MaybePromise<TokenBucketResult> {
    if (!this.up) {
      this.refuseIfClosed();
      return this.local.takeTokens(key, ratePerSecond, burst, cost);
    }
    const call = new StoreCall(TAKE_TOKENS, key, '', ratePerSecond, burst, cost);
    return this.call(call, this.remote.takeTokens(key, ratePerSecond, burst, cost)) as Promise<TokenBucketResult>;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.probeTimer !== null) clearTimeout(this.probeTimer);
    this.phase = 'down';
    this.deadlines.expireAll();
    await this.remote.close();
    this.local.close();
  }

  /** Waits for Redis's answer to `call`, at most the timeout (one shared timer: CallDeadlines). */
  private call(call: StoreCall, remote: Promise<unknown>): Promise<unknown> {
    this.deadlines.add(call);
    remote.then(
      (value) => {
        if (call.settled) return;
        call.settled = true;
        call.resolve(value);
      },
      (error: unknown) => {
        if (!call.settled) this.fallback(call, error instanceof Error ? error.message : String(error), !this.remote.isReply(error));
      },
    );
    return call.promise;
  }

  /**
   * Redis failed `call` or was too slow: answer locally, or refuse (closed). The store is down unless
   * Redis itself answered with an error (a key of the wrong type, out of memory): then only this call failed.
   */
  private fallback(call: StoreCall, reason: string, down = true): void {
    call.settled = true;
    this.errors++;
    if (down) this.markDown(reason);
    else this.warnRefused(call.key, reason);
    if (this.options.onError === 'closed' && (call.op === INCREMENT || call.op === TAKE_TOKENS)) {
      call.reject(new StateUnavailableError(reason));
      return;
    }
    call.resolve(this.localAnswer(call));
  }

  private localAnswer(call: StoreCall): unknown {
    switch (call.op) {
      case GET:
        return this.local.get(call.key);
      case SET_IF_ABSENT:
        return this.local.setIfAbsent(call.key, call.value, call.a);
      case INCREMENT:
        return this.local.increment(call.key, call.a, call.b);
      case TAKE_TOKENS:
        return this.local.takeTokens(call.key, call.a, call.b, call.c);
    }
  }

  /** Redis refused a command (at most one line every 10 s: a full Redis would refuse every request's). */
  private warnRefused(key: string, reason: string): void {
    const now = performance.now();
    if (now < this.quietUntil) return;
    this.quietUntil = now + 10_000;
    this.options.logger.warn({ store: this.options.store ?? 'redis', at: this.options.where, key, reason }, 'state store refused a command; answered from local state');
  }

  /** While down, onError: closed refuses what needs shared state (open answers from the local store). */
  private refuseIfClosed(): void {
    if (this.options.onError === 'closed') throw new StateUnavailableError(this.phase === 'starting' ? 'not connected yet' : 'down');
  }

  /** A write nobody waited for failed: the store is down, unless Redis itself refused it. */
  private readonly writeFailed = (error: unknown): void => {
    this.errors++;
    const reason = error instanceof Error ? error.message : String(error);
    if (this.remote.isReply(error)) this.warnRefused('', reason);
    else this.markDown(reason);
  };

  private lost(reason: string): void {
    if (this.closed) return;
    if (this.phase !== 'down') this.errors++;
    this.markDown(reason);
  }

  private markDown(reason: string): void {
    if (this.phase === 'down' || this.closed) {
      this.scheduleProbe();
      return;
    }
    this.phase = 'down';
    const answer = this.options.onError === 'open' ? 'answering from local state (onError: open)' : 'refusing rate-limited requests with 503 (onError: closed)';
    this.options.logger.warn({ store: this.options.store ?? 'redis', at: this.options.where, reason }, `state store down: ${answer}`);
    this.scheduleProbe();
  }

  private markUp(): void {
    if (this.phase === 'up' || this.closed) return;
    const was = this.phase;
    this.phase = 'up';
    const fields = { store: this.options.store ?? 'redis', at: this.options.where };
    // a worker reaching the main thread's store as it starts is no news (Redis connecting is)
    if (was === 'starting' && this.options.store === 'main') this.options.logger.debug(fields, 'state store connected: state is shared');
    else this.options.logger.info(fields, was === 'starting' ? 'state store connected: state is shared' : 'state store up again: state is shared again');
    for (const wake of this.waitingForUp.splice(0)) wake();
  }

  private scheduleProbe(): void {
    if (this.probeTimer !== null || this.closed) return;
    this.probeTimer = setTimeout(() => {
      this.probeTimer = null;
      this.probe();
    }, this.probeIntervalMs);
    this.probeTimer.unref();
  }

  /** Up again once Redis answers a PING within the timeout. */
  private probe(): void {
    if (this.up || this.closed || this.probing) return;
    if (!this.remote.ready) return this.scheduleProbe();
    this.probing = true;
    const started = performance.now();
    this.remote.ping().then(
      () => {
        this.probing = false;
        if (performance.now() - started <= this.options.timeoutMs) this.markUp();
        else this.scheduleProbe();
      },
      () => {
        this.probing = false;
        this.scheduleProbe();
      },
    );
  }
}
