// A worker's side of the state the main thread keeps for every worker (rate-limit buckets,
// connection counts per client, sticky tables) when the config's store is memory: each call is a
// message to the main thread, batched per event-loop turn. It sits behind a SharedStore, so no call
// waits longer than its timeout and a main thread too busy to answer is answered from local state.
import type { RedisConnectionEvents } from '../state/redis-store.js';
import type { RemoteStore } from '../state/shared-store.js';
import type { TokenBucketResult } from '../state/state-store.js';
import type { StoreAnswer, StoreCallMessage, StoreOp } from './messages.js';

/** How long a worker waits for the main thread's answer before answering from its own state. */
export const MAIN_STORE_TIMEOUT_MS = 250;

/** A worker's link to the main thread's store: makes the clients (a reload may make a new one) and hands them the answers. */
export class MainStoreLink {
  private readonly clients = new Set<MainStoreClient>();
  /** call ids are unique over every client of the link */
  lastId = 0;

  constructor(readonly send: (calls: StoreCallMessage[]) => void) {}

  client(events: RedisConnectionEvents): MainStoreClient {
    const client = new MainStoreClient(this, events);
    this.clients.add(client);
    return client;
  }

  closed(client: MainStoreClient): void {
    this.clients.delete(client);
  }

  answer(answers: readonly StoreAnswer[]): void {
    for (const client of this.clients) for (const a of answers) client.answer(a.id, a.value, a.error);
  }
}

interface Waiting {
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

export class MainStoreClient implements RemoteStore {
  readonly ready = true;
  private batch: StoreCallMessage[] = [];
  private scheduled = false;
  private readonly waiting = new Map<number, Waiting>();
  private closed = false;

  constructor(
    private readonly link: MainStoreLink,
    private readonly events: RedisConnectionEvents,
  ) {}

  connect(): Promise<void> {
    this.events.ready();
    return Promise.resolve();
  }

  ping(): Promise<void> {
    return this.call('ping', '', '', 0, 0, 0) as Promise<void>;
  }

  isReply(): boolean {
    return false;
  }

  get(key: string): Promise<string | undefined> {
    return this.call('get', key, '', 0, 0, 0) as Promise<string | undefined>;
  }

  set(key: string, value: string, ttlMs: number): Promise<void> {
    return this.call('set', key, value, ttlMs, 0, 0) as Promise<void>;
  }

  setIfAbsent(key: string, value: string, ttlMs: number): Promise<string> {
    return this.call('setIfAbsent', key, value, ttlMs, 0, 0) as Promise<string>;
  }

  delete(key: string): Promise<void> {
    return this.call('delete', key, '', 0, 0, 0) as Promise<void>;
  }

  increment(key: string, by: number, ttlMs: number): Promise<number> {
    return this.call('increment', key, '', by, ttlMs, 0) as Promise<number>;
  }

  takeTokens(key: string, ratePerSecond: number, burst: number, cost: number): Promise<TokenBucketResult> {
    return this.call('takeTokens', key, '', ratePerSecond, burst, cost) as Promise<TokenBucketResult>;
  }

  close(): Promise<void> {
    this.closed = true;
    this.link.closed(this);
    for (const waiting of this.waiting.values()) waiting.reject(new Error('closed'));
    this.waiting.clear();
    return Promise.resolve();
  }

  /** The main thread's answers (in any order). */
  answer(id: number, value: unknown, error: string | undefined): void {
    const waiting = this.waiting.get(id);
    if (waiting === undefined) return; // already given up on (SharedStore answered it locally)
    this.waiting.delete(id);
    if (error === undefined) waiting.resolve(value);
    else waiting.reject(new Error(error));
  }

  private call(op: StoreOp, key: string, value: string, a: number, b: number, c: number): Promise<unknown> {
    if (this.closed) return Promise.reject(new Error('closed'));
    const id = ++this.link.lastId;
    this.batch.push({ id, op, key, value, a, b, c });
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flush);
    }
    return new Promise((resolve, reject) => this.waiting.set(id, { resolve, reject }));
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    const calls = this.batch;
    this.batch = [];
    if (calls.length > 0) this.link.send(calls);
  };
}
