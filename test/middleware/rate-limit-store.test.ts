// The rate limit's verdict is synchronous with the in-memory store (no promise on the data path)
// and a promise only when the store answers with one; a store that refuses (onError: closed)
// gets 503 with Retry-After, and a connection whose count was refused is not held.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HttpLimits } from '../../src/config/types.js';
import { parseRequestHead } from '../../src/http/h1/request-head.js';
import { compileChain } from '../../src/http/middleware/chain.js';
import { type ChainClient, ChainRun, requestVerdict } from '../../src/http/middleware/run.js';
import { silentLogger } from '../../src/observe/logger.js';
import { createObservers } from '../../src/observe/observers.js';
import { RouteStats } from '../../src/observe/traffic-stats.js';
import { MemoryStore } from '../../src/state/memory-store.js';
import { isPromise, type StateStore, StateUnavailableError } from '../../src/state/state-store.js';
import { expectValid, listenerAt } from '../config/helpers.js';

const limits: HttpLimits = { maxHeaderBytes: 16384, maxUriLength: 1024, maxHeaders: 50, maxBodyBytes: 0 };

function chainWith(store: StateStore, settings: string) {
  const config = expectValid(
    [
      'listeners:',
      '  - name: web',
      '    address: 127.0.0.1:0',
      '    routes:',
      '      - { middlewares: [limit], service: api }',
      'services:',
      '  api: { backends: [ { address: 127.0.0.1:9001 } ] }',
      'middlewares:',
      `  limit: { rateLimit: ${settings} }`,
    ].join('\n') + '\n',
  );
  return compileChain(listenerAt(config, 0, 'http').routes[0]!.chain, { store, routeId: 'web/0', stats: new RouteStats('web', '0', 'api') })!;
}

function runOf(chain: ReturnType<typeof chainWith>, client: ChainClient = newClient()) {
  const text = 'GET / HTTP/1.1\r\nHost: x';
  return new ChainRun(chain, client, parseRequestHead(text, text.length, limits), '192.0.2.1');
}

function newClient(): ChainClient {
  return { peer: { address: '192.0.2.1' } as unknown as ChainClient['peer'], observers: createObservers(null, silentLogger), middlewareState: null };
}

test('in memory: synchronous verdicts, no promise, for the bucket and the connection cap', () => {
  const chain = chainWith(new MemoryStore(), '{ rate: 1/h, burst: 2, maxConnectionsPerClient: 5 }');
  const verdicts = [0, 1, 2].map(() => requestVerdict(runOf(chain)));
  for (const verdict of verdicts) assert.equal(isPromise(verdict), false);
  assert.equal(verdicts[0], null);
  assert.equal(verdicts[1], null);
  assert.equal((verdicts[2] as { status: number }).status, 429);
});

/** A store that answers with promises (as Redis does), or refuses as a down store with onError: closed. */
class ScriptedStore extends MemoryStore {
  refuse = false;
  override increment(key: string, by: number, ttlMs: number): number {
    if (this.refuse) throw new StateUnavailableError('down');
    return super.increment(key, by, ttlMs);
  }
  asyncTake(key: string, rate: number, burst: number, cost: number) {
    if (this.refuse) return Promise.reject(new StateUnavailableError('down'));
    return Promise.resolve(super.takeTokens(key, rate, burst, cost));
  }
}

test('a store answering with promises gives a promised verdict; a refusing one 503 with Retry-After', async () => {
  const store = new ScriptedStore();
  const asPromises: StateStore = Object.assign(Object.create(store) as StateStore, { takeTokens: store.asyncTake.bind(store) });
  const chain = chainWith(asPromises, '{ rate: 1/h, burst: 1 }');
  const first = requestVerdict(runOf(chain));
  assert.equal(isPromise(first), true);
  assert.equal(await first, null);
  assert.equal(((await requestVerdict(runOf(chain))) as { status: number }).status, 429);
  store.refuse = true;
  const refused = (await requestVerdict(runOf(chain))) as { status: number; fields: Array<[string, string]> };
  assert.equal(refused.status, 503);
  assert.deepEqual(refused.fields, [['Retry-After', '1']]);
});

test('a connection whose count the store refused is not held: its next request is counted again', () => {
  const store = new ScriptedStore();
  const chain = chainWith(store, '{ maxConnectionsPerClient: 1 }');
  const client = newClient();
  store.refuse = true;
  assert.equal((requestVerdict(runOf(chain, client)) as { status: number }).status, 503);
  assert.equal(client.middlewareState?.holds(chain.requestPhases[0]!), false);
  store.refuse = false;
  assert.equal(requestVerdict(runOf(chain, client)), null);
  assert.equal(client.middlewareState?.holds(chain.requestPhases[0]!), true);
  const second = newClient();
  assert.equal((requestVerdict(runOf(chain, second)) as { status: number; close?: boolean }).close, true, 'a second connection is over the cap of 1: 429 and closed');
  second.middlewareState!.release(); // as its closing does
  client.middlewareState!.release();
  assert.equal(requestVerdict(runOf(chain, newClient())), null, 'released: room again');
});
