// What happens to requests when Redis fails: killed during traffic (onError: open) → no request
// fails, fulcrum_state_store_up goes to 0, one log line; restarted → shared again; a Redis that
// sleeps (DEBUG SLEEP) never delays a request beyond the timeout; onError: closed → 503 on the
// routes that need the store, the others are served.
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { after, before, describe, test } from 'node:test';
import { ask, type NamedBackend } from '../helpers/named-backends.js';
import { type Instance, sharedConfig, startBackends, startInstance, storeMetrics, until } from '../helpers/redis-instances.js';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.js';

/** Requests to `paths` on both instances, `concurrency` at a time, until stopped; every status and latency kept. */
function traffic(instances: readonly Instance[], paths: readonly string[], concurrency: number) {
  const results: Array<{ status: number; ms: number; error?: string }> = [];
  let running = true;
  let n = 0;
  const worker = async (w: number): Promise<void> => {
    while (running) {
      const i = n++;
      const started = performance.now();
      try {
        const answer = await ask(instances[i % instances.length]!.port, paths[i % paths.length]!, { localAddress: `127.0.1.${1 + (w % 50)}` });
        results.push({ status: answer.status, ms: performance.now() - started });
      } catch (error) {
        results.push({ status: 0, ms: performance.now() - started, error: String(error) });
      }
    }
  };
  const workers = Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  return {
    results,
    count: () => results.length,
    stop: async () => {
      running = false;
      await workers;
      return results;
    },
  };
}

describe('Redis fails under traffic (onError: open)', () => {
  let redis: RedisServer;
  let backends: NamedBackend[];
  let a: Instance;
  let b: Instance;

  before(async () => {
    redis = await startRedisServer();
    backends = await startBackends();
    // a big burst on /limited/ so that nothing is refused for the rate: every non-200 is a failure
    const config = sharedConfig(redis.url, backends).replace('burst: 10 }', 'burst: 100000 }');
    a = await startInstance(config);
    b = await startInstance(config);
  });

  after(async () => {
    await a?.fulcrum.close();
    await b?.fulcrum.close();
    for (const backend of backends ?? []) await backend.close();
    await redis?.close();
  });

  test('killed during traffic: 0 failed requests, the gauge goes to 0, one "down" line; restarted: up and shared again', async () => {
    const load = traffic([a, b], ['/limited/x', '/ip/x', '/page', '/plain/x'], 8);
    await until(() => load.count() >= 100, 'traffic before the kill');
    await redis.kill();
    await until(async () => (await storeMetrics(a.fulcrum)).up === 0 && (await storeMetrics(b.fulcrum)).up === 0, 'both see the store down');
    const atKill = load.count();
    await until(() => load.count() >= atKill + 200, 'traffic while Redis is down');
    await redis.restart();
    await until(async () => (await storeMetrics(a.fulcrum)).up === 1 && (await storeMetrics(b.fulcrum)).up === 1, 'both see the store up again');
    const atRestart = load.count();
    await until(() => load.count() >= atRestart + 100, 'traffic after the restart');
    const results = await load.stop();

    const failed = results.filter((r) => r.status !== 200);
    assert.equal(failed.length, 0, `failed requests: ${JSON.stringify(failed.slice(0, 5))}`);
    for (const instance of [a, b]) {
      assert.deepEqual(instance.stateLines(), [
        'state store connected: state is shared',
        'state store down: answering from local state (onError: open)',
        'state store up again: state is shared again',
      ]);
      assert.ok(((await storeMetrics(instance.fulcrum)).errors ?? 0) >= 1, 'the failure is counted');
    }
    console.log(`# ${results.length} requests (${atKill} before the kill, ${atRestart - atKill} while down or coming back), 0 failed`);

    // shared again: a fresh bucket of 4 (per x-user) is spent across both
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await ask(i % 2 === 0 ? a.port : b.port, '/user/x', { headers: { 'x-user': 'after-restart' } })).status);
    assert.deepEqual(statuses, [200, 200, 200, 200, 429, 429, 429, 429]);
  });

  test('a slow Redis (DEBUG SLEEP 1 from another client) never delays a request beyond the timeout', async () => {
    const load = traffic([a, b], ['/limited/x', '/ip/x', '/page'], 6);
    await until(() => load.count() >= 50, 'traffic before the sleep');
    const before = load.count();
    const sleeping = await redis.sleep(1);
    const asleepAt = load.count();
    await sleeping.done;
    await until(async () => (await storeMetrics(a.fulcrum)).up === 1 && (await storeMetrics(b.fulcrum)).up === 1, 'up again after the sleep');
    const results = await load.stop();
    const during = results.slice(asleepAt);
    assert.ok(during.length >= 20, `requests were made while Redis slept (${during.length})`);
    const slowest = Math.max(...results.map((r) => r.ms));
    const sorted = during.map((r) => r.ms).sort((x, y) => x - y);
    console.log(
      `# before: slowest ${Math.max(...results.slice(0, asleepAt).map((r) => r.ms)).toFixed(1)}; during: p50 ${sorted[Math.floor(sorted.length / 2)]!.toFixed(1)} p99 ${sorted[Math.floor(sorted.length * 0.99)]!.toFixed(1)} max ${sorted.at(-1)!.toFixed(1)}; first 12 after: ${during
        .slice(0, 12)
        .map((r) => r.ms.toFixed(0))
        .join(' ')}`,
    );
    // timeout 50 ms; the margin covers the request itself on a loaded machine (2 shared cores: requests
    // before the sleep take up to ~100 ms there). A request waiting for the sleeping Redis would take ~1000 ms.
    assert.ok(slowest < 50 + 250, `the slowest request took ${slowest.toFixed(1)} ms`);
    assert.equal(results.filter((r) => r.status !== 200).length, 0);
    console.log(`# ${results.length} requests (${before} before the sleep, ${during.length} from it on), slowest ${slowest.toFixed(1)} ms`);
  });
});

describe('onError: closed', () => {
  let redis: RedisServer;
  let backends: NamedBackend[];
  let a: Instance;

  before(async () => {
    redis = await startRedisServer();
    backends = await startBackends();
    a = await startInstance(sharedConfig(redis.url, backends, ', onError: closed'));
  });

  after(async () => {
    await a?.fulcrum.close();
    for (const backend of backends ?? []) await backend.close();
    await redis?.close();
  });

  test('Redis down: the rate-limited route answers 503 with Retry-After; routes without it are served; back to 200 when it returns', async () => {
    assert.equal((await ask(a.port, '/limited/x')).status, 200);
    await redis.kill();
    const refused = await ask(a.port, '/limited/x');
    assert.equal(refused.status, 503);
    assert.equal(refused.headers['retry-after'], '1');
    const capped = await ask(a.port, '/conn/x');
    assert.equal(capped.status, 503, 'the connection cap needs the store too');
    assert.equal((await ask(a.port, '/plain/x')).status, 200, 'no store needed');
    assert.equal((await ask(a.port, '/ip/x')).status, 200, 'stickiness is best effort: the balancer picks');
    assert.deepEqual(a.stateLines().slice(1), ['state store down: refusing rate-limited requests with 503 (onError: closed)']);
    await redis.restart();
    await until(async () => (await storeMetrics(a.fulcrum)).up === 1, 'up again');
    assert.equal((await ask(a.port, '/limited/x')).status, 200);
    assert.equal((await ask(a.port, '/conn/x')).status, 200);
  });
});

describe('starting while Redis is not running', () => {
  let redis: RedisServer;
  let backends: NamedBackend[];
  let a: Instance;

  after(async () => {
    await a?.fulcrum.close();
    for (const backend of backends ?? []) await backend.close();
    await redis?.close();
  });

  test('Fulcrum starts and serves from local state, then shares state once Redis is there', async () => {
    redis = await startRedisServer();
    await redis.kill();
    backends = await startBackends();
    const started = performance.now();
    a = await startInstance(sharedConfig(redis.url, backends));
    assert.ok(performance.now() - started < 3000, 'start waits at most about a second for Redis');
    assert.equal((await storeMetrics(a.fulcrum)).up, 0);
    assert.equal((await ask(a.port, '/limited/x')).status, 200, 'served from the local bucket');
    assert.deepEqual(a.stateLines(), ['state store down: answering from local state (onError: open)']);
    await redis.restart();
    await until(async () => (await storeMetrics(a.fulcrum)).up === 1, 'connected once Redis runs');
    assert.equal((await ask(a.port, '/limited/x')).status, 200);
    assert.deepEqual(await redis.command(['KEYS', 'fulcrum:rl:*']), ['fulcrum:rl:burst10:ip:127.0.0.1'], 'the bucket is in Redis now');
    assert.deepEqual(a.stateLines().slice(1), ['state store up again: state is shared again']);
  });
});
