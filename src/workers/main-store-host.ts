// The main thread's side of MainStoreClient: answers the workers' state calls from one memory
// store (the main thread serves no traffic of its own). Counts (`increment`: connections per client) are kept per worker and summed,
// as Redis keeps them per instance, so the connections of a worker that died leave the count
// with it instead of holding its clients' slots until the TTL.
import { MemoryStore } from '../state/memory-store.js';
import type { StoreAnswer, StoreCallMessage } from './messages.js';

const SHARE = '\u0000w';

export class MainStoreHost {
  /** per worker: the keys it holds a non-zero share of */
  private readonly shares: Array<Set<string>>;

  private readonly store = new MemoryStore();

  constructor(workers: number) {
    this.shares = Array.from({ length: workers }, () => new Set<string>());
  }

  /** Answers one batch of worker `index`'s calls, in order. */
  answer(index: number, calls: readonly StoreCallMessage[]): StoreAnswer[] {
    const answers: StoreAnswer[] = [];
    for (const call of calls) {
      try {
        answers.push({ id: call.id, value: this.run(index, call), error: undefined });
      } catch (error) {
        answers.push({ id: call.id, value: undefined, error: String(error) });
      }
    }
    return answers;
  }

  close(): void {
    this.store.close();
  }

  /** Worker `index` exited: its shares of the counts go. */
  forget(index: number): void {
    const keys = this.shares[index];
    if (keys === undefined) return;
    for (const key of keys) this.store.delete(key + SHARE + index);
    keys.clear();
  }

  private run(index: number, call: StoreCallMessage): unknown {
    const store = this.store;
    switch (call.op) {
      case 'ping':
        return undefined;
      case 'get':
        return store.get(call.key);
      case 'set':
        return store.set(call.key, call.value, call.a);
      case 'setIfAbsent':
        return store.setIfAbsent(call.key, call.value, call.a);
      case 'delete':
        return store.delete(call.key);
      case 'takeTokens':
        return store.takeTokens(call.key, call.a, call.b, call.c);
      case 'increment':
        return this.increment(index, call.key, call.a, call.b);
    }
  }

  /** This worker's share moves by `by`; the answer is the sum of every worker's share. */
  private increment(index: number, key: string, by: number, ttlMs: number): number {
    const own = this.store.increment(key + SHARE + index, by, ttlMs);
    const keys = this.shares[index]!;
    if (own === 0) keys.delete(key);
    else keys.add(key);
    let sum = 0;
    for (let i = 0; i < this.shares.length; i++) {
      if (i === index) sum += own;
      else if (this.shares[i]!.has(key)) sum += Number(this.store.get(key + SHARE + i) ?? 0);
    }
    return sum;
  }
}
