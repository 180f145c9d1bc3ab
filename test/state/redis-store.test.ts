// RedisStore against a real redis-server: the token bucket is one bucket for every client of the
// server (atomic under concurrency), scripts come back after SCRIPT FLUSH (NOSCRIPT → EVAL),
// per-instance shares of a count expire with their instance, set-if-absent has one winner, keys
// carry the prefix. And SharedStore's bounded wait, fallback and return, on the same server.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { performance } from 'node:perf_hooks';
import { RedisStore } from '../../src/state/redis-store.js';
import { SharedStore } from '../../src/state/shared-store.js';
import { isPromise, StateUnavailableError } from '../../src/state/state-store.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.js';

const quiet = { ready: () => undefined, lost: () => undefined };

async function connected(server: RedisServer, keyPrefix = 'fulcrum:'): Promise<RedisStore> {
  const store = new RedisStore({ url: server.url, keyPrefix, connectTimeoutMs: 2000 }, quiet);
  await store.connect();
  assert.ok(store.ready);
  return store;
}

describe('RedisStore on a real redis-server', () => {
  let server: RedisServer;
  let a: RedisStore;
  let b: RedisStore;

  before(async () => {
    server = await startRedisServer();
    a = await connected(server);
    b = await connected(server);
  });

  after(async () => {
    await a.close();
    await b.close();
    await server.close();
  });

  test('one token bucket for both clients: 200 concurrent takes against a burst of 50 allow exactly 50', async () => {
    const takes = Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? a : b).takeTokens('rl:t:ip:1', 0.001, 50, 1));
    const results = await Promise.all(takes);
    assert.equal(results.filter((r) => r.allowed).length, 50);
    const refused = results.find((r) => !r.allowed)!;
    assert.equal(refused.remaining, 0);
    assert.ok(refused.retryAfterMs > 900_000, `a token comes back in ~1000 s at 0.001/s, got ${refused.retryAfterMs} ms`);
    assert.deepEqual(await server.command(['KEYS', 'fulcrum:rl:t:*']), ['fulcrum:rl:t:ip:1'], 'the key carries the prefix');
    const ttl = Number(await server.command(['PTTL', 'fulcrum:rl:t:ip:1']));
    assert.ok(ttl > 0, 'an idle bucket expires');
  });

  test('the bucket refills at the rate, on Redis time', async () => {
    const first = await a.takeTokens('rl:refill', 20, 1, 1);
    assert.equal(first.allowed, true);
    const second = await b.takeTokens('rl:refill', 20, 1, 1);
    assert.equal(second.allowed, false);
    assert.ok(second.retryAfterMs > 0 && second.retryAfterMs <= 50, `at 20/s a token is back within 50 ms, got ${second.retryAfterMs}`);
    await new Promise((resolve) => setTimeout(resolve, second.retryAfterMs + 10));
    assert.equal((await b.takeTokens('rl:refill', 20, 1, 1)).allowed, true);
  });

  test('after SCRIPT FLUSH (or a restarted server) EVALSHA gets NOSCRIPT and the script is loaded again', async () => {
    await a.takeTokens('rl:flush', 10, 5, 1);
    await server.command(['SCRIPT', 'FLUSH']);
    const after = await a.takeTokens('rl:flush', 10, 5, 1);
    assert.equal(after.allowed, true);
    assert.equal(after.remaining, 3);
    const reply = await server.command(['SCRIPT', 'EXISTS', 'x'.repeat(40)]);
    assert.deepEqual(reply, [0]);
  });

  test('a count is the sum of live instances; an instance that stops refreshing drops out', async () => {
    assert.equal(await a.increment('conn:9', 1, 60_000), 1);
    assert.equal(await a.increment('conn:9', 1, 60_000), 2);
    assert.equal(await b.increment('conn:9', 1, 300), 3, "b's share counts beside a's");
    assert.equal(await a.increment('conn:9', -1, 60_000), 2);
    assert.equal(await a.increment('conn:9', -5, 60_000), 1, "a's share never goes below 0");
    await new Promise((resolve) => setTimeout(resolve, 400));
    assert.equal(await a.increment('conn:9', 0, 60_000), 0, "b stopped refreshing (it died): its share expired, a's is 0");
    assert.equal(await b.increment('conn:10', 1, 60_000), 1);
    assert.equal(await a.increment('conn:10', 0, 60_000), 1, 'a refresh (by 0) reads the total');
  });

  test('set if absent: one winner, whose value both then see; get/set with a ttl; delete', async () => {
    const [x, y] = await Promise.all([a.setIfAbsent('sticky:secret', 'from-a', 0), b.setIfAbsent('sticky:secret', 'from-b', 0)]);
    assert.equal(x, y);
    assert.ok(x === 'from-a' || x === 'from-b');
    await a.set('sticky:s:ip:1', 'backend-1', 200);
    assert.equal(await b.get('sticky:s:ip:1'), 'backend-1');
    const ttl = Number(await server.command(['PTTL', 'fulcrum:sticky:s:ip:1']));
    assert.ok(ttl > 0 && ttl <= 200);
    await b.delete('sticky:s:ip:1');
    assert.equal(await a.get('sticky:s:ip:1'), undefined);
  });
});

describe('SharedStore: bounded waits, local answers, back to shared', () => {
  let server: RedisServer;

  before(async () => {
    server = await startRedisServer();
  });

  after(async () => {
    await server.close();
  });

  const opened: SharedStore[] = [];
  after(async () => {
    for (const store of opened) await store.close();
  });

  function shared(onError: 'open' | 'closed', timeoutMs = 50) {
    const { logger, lines } = captureLogger();
    const store = new SharedStore((events) => new RedisStore({ url: server.url, keyPrefix: 'shared:', connectTimeoutMs: 1000 }, events), {
      timeoutMs,
      onError,
      logger,
      where: server.url,
      probeIntervalMs: 100,
    });
    opened.push(store);
    return { store, lines };
  }

  test('a slow Redis (DEBUG SLEEP) is answered locally within the timeout; the store goes down once and comes back up', async () => {
    const { store, lines } = shared('open');
    await store.whenUp(2000);
    assert.equal(store.up, true);
    assert.equal((await store.takeTokens('rl:slow', 1, 3, 1)).remaining, 2, 'from Redis');
    const sleeping = await server.sleep(0.6);
    const timersBefore = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const started = performance.now();
    const pending = Array.from({ length: 20 }, () => store.takeTokens('rl:slow', 1, 3, 1));
    const timersWaiting = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    assert.ok(timersWaiting <= timersBefore + 1, `20 calls waiting share one timer (timers: ${timersBefore} before, ${timersWaiting} while waiting)`);
    const answers = await Promise.all(pending);
    const took = performance.now() - started;
    assert.ok(took < 50 + 40, `20 calls answered within the timeout (+ margin), took ${took.toFixed(1)} ms`);
    assert.equal(answers.filter((r) => r.allowed).length, 3, 'the local bucket (a fresh burst of 3) answered');
    assert.equal(store.up, false);
    for (let i = 0; i < 1000; i++) assert.equal(isPromise(store.takeTokens('rl:slow', 1, 3, 1)), false, 'while down, answered at once: nothing is sent or queued');
    await sleeping.done;
    await store.whenUp(3000);
    assert.equal(store.up, true, 'back up once Redis answers in time');
    // (the calls that timed out were still run by Redis once it woke: a late answer is ignored, not undone)
    assert.equal((await store.takeTokens('rl:after', 1, 3, 1)).remaining, 2);
    assert.deepEqual(await server.command(['KEYS', 'shared:rl:after']), ['shared:rl:after'], 'answered by Redis again');
    const transitions = lines().filter((l) => String(l.msg).startsWith('state store'));
    assert.deepEqual(
      transitions.map((l) => l.msg),
      ['state store connected: state is shared', 'state store down: answering from local state (onError: open)', 'state store up again: state is shared again'],
    );
    assert.ok(store.errors >= 20, `each call that timed out counted, got ${store.errors}`);
    await store.close();
  });

  test('Redis answering with an error (a key of the wrong type) fails that call only: answered locally, the store stays up', async () => {
    const { store, lines } = shared('open');
    await store.whenUp(2000);
    await server.command(['SET', 'shared:rl:wrong', 'a string, not a bucket']);
    const answer = await store.takeTokens('rl:wrong', 1, 3, 1);
    assert.deepEqual(answer, { allowed: true, remaining: 2, retryAfterMs: 0 }, 'the local bucket');
    assert.equal(store.up, true);
    assert.equal(store.errors, 1);
    assert.ok(lines().some((l) => l.msg === 'state store refused a command; answered from local state' && String(l.reason).startsWith('WRONGTYPE')));
    assert.equal((await store.takeTokens('rl:right', 1, 3, 1)).remaining, 2, 'other keys still go to Redis');
    await store.close();
  });

  test('onError: closed refuses takeTokens and increment while down (sticky get/set still answer locally)', async () => {
    const { store } = shared('closed');
    await store.whenUp(2000);
    await server.kill();
    await assert.rejects(
      Promise.resolve().then(() => store.takeTokens('rl:closed', 1, 3, 1)),
      StateUnavailableError,
    );
    await waitFor(() => !store.up);
    assert.throws(() => store.takeTokens('rl:closed', 1, 3, 1), StateUnavailableError);
    assert.throws(() => store.increment('conn:1', 1, 1000), StateUnavailableError);
    store.set('sticky:x', 'b1', 1000);
    assert.equal(store.get('sticky:x'), 'b1');
    await server.restart();
    await store.whenUp(5000);
    assert.equal(store.up, true);
    assert.equal((await store.takeTokens('rl:closed', 1, 3, 1)).allowed, true);
    await store.close();
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const until = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
