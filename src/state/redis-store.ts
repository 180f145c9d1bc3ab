// The StateStore on a Redis server, with node-redis: every operation is one round trip (the
// compound ones are Lua scripts run by EVALSHA, loaded on NOSCRIPT). This class only talks to
// Redis; waiting at most `timeout` and answering locally when Redis is down is shared-store.ts's job.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { createClient, ErrorReply, type RedisClientType } from 'redis';
import { INCREMENT, type Script, SET_IF_ABSENT, TAKE_TOKENS } from './redis-scripts.js';
import type { StateStore, TokenBucketResult } from './state-store.js';

export interface RedisStoreOptions {
  url: string;
  /** put before every key */
  keyPrefix: string;
  /** how long opening a connection may take */
  connectTimeoutMs: number;
}

/** What the connection tells its owner. */
export interface RedisConnectionEvents {
  /** connected (again) and ready for commands */
  ready(): void;
  /** the connection broke or could not be made; node-redis reconnects by itself */
  lost(reason: string): void;
}

/** Reconnect delays: 50 ms doubling to 2 s, with up to 20% jitter so instances do not reconnect in step. */
export function reconnectDelay(retries: number): number {
  const base = Math.min(2000, 50 * 2 ** Math.min(retries, 6));
  return Math.round(base * (1 + Math.random() * 0.2));
}

export class RedisStore implements StateStore {
  readonly client: RedisClientType;
  private readonly prefix: string;
  /** this instance's name in shared counts (host, pid and a random part: a restart is a new instance) */
  readonly instance = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private closed = false;

  constructor(options: RedisStoreOptions, events: RedisConnectionEvents) {
    this.prefix = options.keyPrefix;
    this.client = createClient({
      url: options.url,
      socket: { connectTimeout: options.connectTimeoutMs, reconnectStrategy: reconnectDelay },
      // while disconnected, commands fail at once instead of queueing without bound
      disableOfflineQueue: true,
      // and while connected but slow, the queue of commands waiting for a reply is capped
      commandsQueueMaxLength: 10_000,
    }) as RedisClientType;
    this.client.on('ready', () => events.ready());
    this.client.on('error', (error: unknown) => {
      if (!this.closed) events.lost(error instanceof Error ? error.message : String(error));
    });
    this.client.on('end', () => {
      if (!this.closed) events.lost('connection ended');
    });
  }

  /** Start connecting (node-redis keeps retrying with the backoff); resolves once connected or when the first try failed. */
  connect(): Promise<void> {
    return this.client.connect().then(
      () => undefined,
      () => undefined,
    );
  }

  get ready(): boolean {
    return this.client.isReady;
  }

  async get(key: string): Promise<string | undefined> {
    const value = await this.client.get(this.prefix + key);
    return value ?? undefined;
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    if (ttlMs > 0) await this.client.set(this.prefix + key, value, { expiration: { type: 'PX', value: Math.ceil(ttlMs) } });
    else await this.client.set(this.prefix + key, value);
  }

  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<string> {
    return String(await this.run(SET_IF_ABSENT, this.prefix + key, [value, String(Math.ceil(ttlMs))]));
  }

  async delete(key: string): Promise<void> {
    await this.client.del(this.prefix + key);
  }

  /** The sum of every live instance's share; this instance's share lives ttlMs after its last change (see INCREMENT). */
  async increment(key: string, by: number, ttlMs: number): Promise<number> {
    // one hash slot for both keys (Redis Cluster): the braces make `key` the hash tag
    const base = this.prefix + '{' + key + '}';
    const reply = await this.runKeys(INCREMENT, [base + ':shares', base + ':alive'], [this.instance, String(Math.trunc(by)), String(Math.ceil(ttlMs))]);
    return Number(reply);
  }

  async takeTokens(key: string, ratePerSecond: number, burst: number, cost: number): Promise<TokenBucketResult> {
    const reply = (await this.run(TAKE_TOKENS, this.prefix + key, [String(ratePerSecond), String(burst), String(cost)])) as number[];
    return { allowed: reply[0] === 1, remaining: Number(reply[1]), retryAfterMs: Number(reply[2]) };
  }

  /** Whether `error` is Redis's own answer (WRONGTYPE, OOM, ...): the server is there, this command failed. */
  isReply(error: unknown): boolean {
    return error instanceof ErrorReply;
  }

  /** PING: resolves when Redis answers. */
  async ping(): Promise<void> {
    await this.client.ping();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.client.isOpen) await this.client.close().catch(() => this.client.destroy());
    else this.client.destroy();
  }

  /** EVALSHA; when Redis does not know the script yet (a new or restarted server, SCRIPT FLUSH), EVAL loads and runs it. */
  private run(script: Script, key: string, args: string[]): Promise<unknown> {
    return this.runKeys(script, [key], args);
  }

  private async runKeys(script: Script, keys: string[], args: string[]): Promise<unknown> {
    const rest = [String(keys.length), ...keys, ...args];
    try {
      return await this.client.sendCommand(['EVALSHA', script.sha, ...rest]);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return this.client.sendCommand(['EVAL', script.source, ...rest]);
    }
  }
}
