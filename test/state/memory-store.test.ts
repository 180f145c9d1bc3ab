import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStore } from '../../src/state/memory-store.js';

test('get/set/delete with expiry', () => {
  let now = 1000;
  const store = new MemoryStore(() => now);
  store.set('a', 'x', 100);
  store.set('b', 'y', 0);
  assert.equal(store.get('a'), 'x');
  now += 100;
  assert.equal(store.get('a'), undefined, 'expired at its deadline');
  assert.equal(store.get('b'), 'y', 'no ttl: kept');
  store.delete('b');
  assert.equal(store.get('b'), undefined);
  store.close();
});

test('increment counts and renews the ttl', () => {
  let now = 0;
  const store = new MemoryStore(() => now);
  assert.equal(store.increment('c', 1, 50), 1);
  now += 40;
  assert.equal(store.increment('c', 2, 50), 3);
  now += 40;
  assert.equal(store.increment('c', -1, 50), 2, 'the second change renewed the ttl');
  now += 60;
  assert.equal(store.increment('c', 1, 50), 1, 'expired: starts again');
  store.close();
});

test('token bucket: burst, refill at the rate, retry-after', () => {
  let now = 0;
  const store = new MemoryStore(() => now);
  for (let i = 0; i < 5; i++) assert.equal(store.takeTokens('k', 10, 5, 1).allowed, true);
  const refused = store.takeTokens('k', 10, 5, 1);
  assert.equal(refused.allowed, false);
  assert.equal(refused.retryAfterMs, 100, 'one token every 100 ms at 10/s');
  now += 250; // 2.5 tokens
  assert.equal(store.takeTokens('k', 10, 5, 1).allowed, true);
  assert.equal(store.takeTokens('k', 10, 5, 1).allowed, true);
  assert.equal(store.takeTokens('k', 10, 5, 1).allowed, false);
  now += 10_000;
  assert.equal(store.takeTokens('k', 10, 5, 1).remaining, 4, 'refill is capped at the burst');
  store.close();
});
