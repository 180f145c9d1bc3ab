import { after, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { captureLogger, nextHealthEvent, startFulcrumLogged, startSwitchableBackend, until } from '../helpers/health.js';
import { portOf, yaml } from '../helpers/fulcrum.js';

const RAMP_MS = 4_000;
const BUCKETS = 5;

it("slow start: a recovered backend's share of requests follows the ramp (4 s, 5 buckets)", async () => {
  const [old, fresh] = await Promise.all([startSwitchableBackend('old'), startSwitchableBackend('fresh')]);
  fresh.mode = 'fail';
  const fulcrum = await startFulcrumLogged(
    yaml`
      listeners:
        - name: web
          address: 127.0.0.1:0
          routes: [ { service: api } ]
      services:
        api:
          algorithm: weighted-round-robin
          backends: [ { address: ${old.address} }, { address: ${fresh.address} } ]
          healthCheck: { type: http, path: /healthz, interval: 50ms, timeout: 40ms, healthyThreshold: 1, unhealthyThreshold: 1 }
          slowStart: ${RAMP_MS}ms
    `,
    captureLogger().logger,
  );
  after(async () => {
    await fulcrum.close();
    await Promise.all([old.close(), fresh.close()]);
  });
  const service = fulcrum.services.get('api')!;
  await nextHealthEvent(service, 'unhealthy', fresh.address);
  // on a loaded machine the first probe of `old` can time out too: it then ramps as well, and the
  // shares compare two ramps; wait until it is healthy at full weight
  const oldBackend = service.backends.find((b) => b.id === old.address)!;
  await until(() => oldBackend.healthy && oldBackend.slowStartFactor === 1, RAMP_MS + 2_000, 'old backend healthy at full weight');
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  const port = portOf(fulcrum);
  const request = (): Promise<string> =>
    new Promise((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
          res.resume();
          res.on('end', () => resolve(String(res.headers['x-backend'])));
        })
        .on('error', reject);
    });

  const up = nextHealthEvent(service, 'healthy', fresh.address);
  fresh.mode = 'ok';
  const start = (await up).at;
  const counts = Array.from({ length: BUCKETS + 1 }, () => ({ fresh: 0, total: 0 }));
  // 4 concurrent clients for the ramp and one bucket after it
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (;;) {
        const bucket = Math.floor(((performance.now() - start) / RAMP_MS) * BUCKETS);
        if (bucket > BUCKETS) return;
        const who = await request();
        counts[bucket]!.total++;
        if (who === 'fresh') counts[bucket]!.fresh++;
      }
    }),
  );
  agent.destroy();
  const shares = counts.map((c) => c.fresh / c.total);
  // effective weight f = max(0.1, t/T) against 1: share f/(1+f); bucket means ≈ .11 .22 .33 .41 .47, then .5
  const expected = [0.11, 0.22, 0.33, 0.41, 0.47, 0.5];
  console.log(
    `# slow start shares per ${RAMP_MS / BUCKETS} ms bucket: ${shares.map((s, i) => `${(s * 100).toFixed(1)}% (expected ~${(expected[i]! * 100).toFixed(0)}%, n=${counts[i]!.total})`).join(', ')}`,
  );
  for (let i = 1; i < shares.length; i++) assert.ok(shares[i]! > shares[i - 1]! - 0.02, `share rises: ${shares.join(' ')}`);
  shares.forEach((s, i) => assert.ok(Math.abs(s - expected[i]!) < 0.08, `bucket ${i}: ${s.toFixed(3)} vs ~${expected[i]}`));
});
