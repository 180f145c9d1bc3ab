// The dashboard's sampler: rates, error rates and interpolated percentiles from synthetic counters.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LiveStats, quantileMs } from '../../src/observe/live-stats.js';
import { DURATION_BUCKETS, TrafficStatsRegistry } from '../../src/observe/traffic-stats.js';
import type { Backend } from '../../src/pool/backend.js';

const backend = (id: string) => ({ id }) as Backend;
const close = (actual: number | null, expected: number, what: string) => {
  assert.ok(actual !== null && Math.abs(actual - expected) < 1e-6, `${what}: expected ${expected}, got ${actual}`);
};

describe('LiveStats', () => {
  test('the first sample is a baseline: traffic before it is not shown as one burst', () => {
    const stats = new TrafficStatsRegistry();
    const a = backend('10.0.0.1:80');
    const counters = stats.route('web', '0', 'api').counters(a);
    for (let i = 0; i < 500; i++) counters.record(200, 1, 0, 0);
    const live = new LiveStats(stats);
    live.sample(1_000);
    for (let i = 0; i < 3; i++) counters.record(200, 1, 0, 0);
    live.sample(2_000);
    assert.equal(live.service('api').rps, 3);
    assert.equal(live.backend('api', '10.0.0.1:80').rps, 3);
    assert.equal(live.service('api').windowRequests, 3);
  });

  test('rates per second, per backend and summed per service over routes, over the real interval', () => {
    const stats = new TrafficStatsRegistry();
    const a = backend('a:1');
    const b = backend('b:1');
    const live = new LiveStats(stats);
    live.sample(10_000);
    for (let i = 0; i < 30; i++) stats.route('web', '0', 'api').counters(a).record(200, 2, 0, 0);
    for (let i = 0; i < 10; i++) stats.route('web', '1', 'api').counters(a).record(200, 2, 0, 0);
    for (let i = 0; i < 20; i++) stats.route('web', '0', 'api').counters(b).record(200, 2, 0, 0);
    for (let i = 0; i < 5; i++) stats.route('web', '0', 'api').counters(null).record(503, 0.1, 0, 0); // no backend: the service only
    live.sample(12_000); // 2 s later
    assert.equal(live.backend('api', 'a:1').rps, 20);
    assert.equal(live.backend('api', 'b:1').rps, 10);
    assert.equal(live.service('api').rps, 32.5);
    close(live.service('api').errorRate, 5 / 65, 'service error rate');
    assert.equal(live.backend('api', 'a:1').errorRate, 0);
    assert.equal(live.backend('api', 'nope:1').rps, 0);
    assert.equal(live.backend('api', 'nope:1').p50, null);
  });

  test('error rate is 5xx over all responses in the window; 4xx are not errors', () => {
    const stats = new TrafficStatsRegistry();
    const counters = stats.route('web', '0', 'api').counters(backend('a:1'));
    const live = new LiveStats(stats, { window: 3 });
    live.sample(0);
    for (let i = 0; i < 8; i++) counters.record(200, 1, 0, 0);
    counters.record(404, 1, 0, 0);
    counters.record(502, 1, 0, 0);
    live.sample(1000);
    close(live.service('api').errorRate, 0.1, 'first second');
    for (let i = 0; i < 10; i++) counters.record(500, 1, 0, 0);
    live.sample(2000);
    close(live.service('api').errorRate, 11 / 20, 'two seconds in the window');
    live.sample(3000);
    live.sample(4000); // the first second leaves the 3-sample window
    close(live.service('api').errorRate, 1, 'only the 5xx second left');
    live.sample(5000);
    assert.equal(live.service('api').errorRate, null, 'no responses in the window');
    assert.equal(live.service('api').p99, null);
  });

  test('percentiles are interpolated inside the bucket they fall in, over the window', () => {
    const stats = new TrafficStatsRegistry();
    const counters = stats.route('web', '0', 'api').counters(backend('a:1'));
    const live = new LiveStats(stats, { window: 5 });
    live.sample(0);
    for (let i = 0; i < 90; i++) counters.record(200, 0.3, 0, 0); // bucket [0, 0.5 ms]
    live.sample(1000);
    for (let i = 0; i < 10; i++) counters.record(200, 200, 0, 0); // bucket (100, 250 ms]
    live.sample(2000);
    const n = live.service('api');
    close(n.p50, (0.5 * 50) / 90, 'p50');
    close(n.p95, 100 + 150 * (5 / 10), 'p95');
    close(n.p99, 100 + 150 * (9 / 10), 'p99');
  });

  test('quantileMs: uniform bucket, the +Inf bucket, nothing', () => {
    const buckets = new Float64Array(DURATION_BUCKETS.length + 1);
    buckets[4] = 100; // (5, 10 ms]
    close(quantileMs(buckets, 0.5), 7.5, 'middle of the bucket');
    close(quantileMs(buckets, 1), 10, 'top of the bucket');
    buckets.fill(0);
    buckets[DURATION_BUCKETS.length] = 3; // over 10 s
    close(quantileMs(buckets, 0.5), 10_000, 'the highest finite bound');
    assert.ok(Number.isNaN(quantileMs(new Float64Array(DURATION_BUCKETS.length + 1), 0.5)));
  });

  test('the chart series keep the last `history` samples, aligned on the timeline; a later backend is null before it appeared', () => {
    const stats = new TrafficStatsRegistry();
    const live = new LiveStats(stats, { history: 4 });
    const route = stats.route('web', '0', 'api');
    live.sample(0);
    for (let s = 1; s <= 6; s++) {
      for (let i = 0; i < s; i++) route.counters(backend('a:1')).record(200, 1, 0, 0);
      if (s >= 5) route.counters(backend('late:1')).record(200, 1, 0, 0);
      live.sample(s * 1000);
    }
    assert.deepEqual(live.timeline(), [3000, 4000, 5000, 6000]);
    assert.deepEqual(live.series('api').rps, [3, 4, 6, 7]);
    assert.deepEqual(live.series('api\u0000a:1').rps, [3, 4, 5, 6]);
    assert.deepEqual(live.series('api\u0000late:1').rps, [null, null, 1, 1]);
    assert.equal(live.latestAt, 6000);
  });

  test('start() samples on a timer and tells subscribers; stop() ends it', async () => {
    const live = new LiveStats(new TrafficStatsRegistry(), { intervalMs: 20 });
    let calls = 0;
    let unsubscribe = () => {};
    const twice = new Promise<void>((resolve) => {
      unsubscribe = live.onSample(() => ++calls === 2 && resolve());
    });
    const guard = setTimeout(() => {}, 5000); // the sampler's timer is unref'd: keep the loop alive meanwhile
    live.start();
    assert.ok(live.running);
    await twice;
    clearTimeout(guard);
    unsubscribe();
    live.stop();
    assert.equal(live.running, false);
    assert.equal(live.timeline().length, 2);
  });
});
