// health-slow-start.yaml doing its job: a backend that dies leaves the rotation with no failed
// request, and when it comes back its share of requests rises over the slow-start ramp.
// The example's timings (a 2 s interval, a 30 s ramp) are the one thing scaled down here (see
// `timings`); thresholds, algorithm, retries and passive checks are as shipped (the 30 s passive
// ejection too: the active check's recovery ends it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { nextHealthEvent, startSwitchableBackend, until, type SwitchableBackend } from '../helpers/health.js';
import { runExample } from './example-config.js';

const RAMP_MS = 3_000;

test('health-slow-start.yaml: a dead backend is taken out without a failed request; back, it ramps up its share', async () => {
  const backends: SwitchableBackend[] = [];
  for (const name of ['app-1', 'app-2', 'app-3']) backends.push(await startSwitchableBackend(name));
  const example = await runExample('health-slow-start.yaml', {
    backends: { '127.0.0.1:8001': backends[0]!.address, '127.0.0.1:8002': backends[1]!.address, '127.0.0.1:8003': backends[2]!.address },
    timings: {
      'services.app.healthCheck.interval': '100ms',
      'services.app.healthCheck.timeout': '80ms',
      'services.app.slowStart': `${RAMP_MS}ms`,
    },
  });
  const service = example.fulcrum.services.get('app')!;
  const port = example.port('web');
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  const seen: Array<{ at: number; who: string; status: number }> = [];
  let running = true;
  const ask = (): Promise<{ who: string; status: number }> =>
    new Promise((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
          res.resume();
          res.on('end', () => resolve({ who: String(res.headers['x-backend']), status: res.statusCode ?? 0 }));
        })
        .on('error', reject);
    });
  // 4 clients for the whole test
  const load = Promise.all(
    Array.from({ length: 4 }, async () => {
      while (running) seen.push({ ...(await ask()), at: performance.now() });
    }),
  );
  const share = (who: string, from: number, to: number): { share: number; n: number } => {
    const window = seen.filter((s) => s.at >= from && s.at < to);
    return { share: window.filter((s) => s.who === who).length / window.length, n: window.length };
  };
  try {
    await until(() => new Set(seen.map((s) => s.who)).size === 3, 3_000, 'all three backends serving');

    // app-3 dies (its port refuses connections)
    const down = nextHealthEvent(service, 'unhealthy', backends[2]!.address, 10_000);
    const port3 = backends[2]!.port;
    await backends[2]!.close();
    const wentDown = await down;
    const settled = wentDown.at + 100;
    await until(() => seen.some((s) => s.at > settled + 1_000), 3_000, 'a second of traffic without app-3');
    assert.equal(share('app-3', settled, settled + 1_000).share, 0, 'out of the rotation');

    // it comes back on the same port: healthy after `healthyThreshold` probes, then the ramp
    const up = nextHealthEvent(service, 'healthy', backends[2]!.address, 10_000);
    backends[2] = await startSwitchableBackend('app-3', port3);
    const cameUp = (await up).at;
    await until(() => seen.some((s) => s.at > cameUp + RAMP_MS + 1_000), RAMP_MS + 3_000, 'the ramp and a second after it');
    const third = RAMP_MS / 3;
    const early = share('app-3', cameUp, cameUp + third);
    const middle = share('app-3', cameUp + third, cameUp + 2 * third);
    const late = share('app-3', cameUp + 2 * third, cameUp + RAMP_MS);
    const after = share('app-3', cameUp + RAMP_MS + 100, cameUp + RAMP_MS + 1_000);
    console.log(`# app-3's share after it came back: ${[early, middle, late, after].map((s) => `${(s.share * 100).toFixed(1)}% (n=${s.n})`).join(', ')}`);
    assert.ok(early.share < 0.2, `it starts low (weight 10% → 33%: expected ~9%), got ${early.share}`);
    assert.ok(middle.share > early.share && late.share > middle.share, 'its share rises through the ramp');
    assert.ok(Math.abs(after.share - 1 / 3) < 0.05, `then a full third, got ${after.share}`);
  } finally {
    running = false;
    await load;
    agent.destroy();
    await example.close();
    await Promise.all(backends.map((b) => b.close()));
  }
  const failed = seen.filter((s) => s.status !== 200);
  assert.equal(failed.length, 0, `no failed request among ${seen.length}: ${failed.length} failed`);
});
