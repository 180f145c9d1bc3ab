// The default algorithm honours weights: a service without `algorithm` splits by `weight`, a
// backend in slow start takes a small share, and an admin re-weight changes the split at once.
// Real backends that name themselves, requests through a running Fulcrum.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { portOf, startFulcrum, yaml } from '../helpers/fulcrum.js';
import { adminCall, startAdmin } from '../helpers/admin.js';
import { captureLogger, nextHealthEvent, startFulcrumLogged, startSwitchableBackend } from '../helpers/health.js';
import { askMany, startNamedBackend, tally, type NamedBackend } from '../helpers/named-backends.js';

const cleanups: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function named(...names: string[]): Promise<NamedBackend[]> {
  const backends = await Promise.all(names.map((n) => startNamedBackend(n)));
  for (const b of backends) cleanups.push(() => b.close());
  return backends;
}

function agent(): http.Agent {
  const a = new http.Agent({ keepAlive: true, maxSockets: 8 });
  cleanups.push(() => a.destroy());
  return a;
}

test('no algorithm, weights 9 and 1: about 90/10 of 1,000 requests', async () => {
  const [heavy, light] = await named('heavy', 'light');
  const fulcrum = await startFulcrum(yaml`
    listeners:
      - name: web
        address: 127.0.0.1:0
        routes: [ { service: api } ]
    services:
      api:
        backends: [ { address: ${heavy!.address}, weight: 9 }, { address: ${light!.address}, weight: 1 } ]
  `);
  cleanups.push(() => fulcrum.close());
  assert.equal(fulcrum.services.get('api')!.config.algorithm, 'weighted-round-robin');
  const a = agent();
  const counts = tally(await askMany(portOf(fulcrum), 1_000, 4, () => ['/', { agent: a }]));
  console.log(`# 9:1 without algorithm: heavy ${counts.get('heavy')}, light ${counts.get('light')}`);
  // smooth WRR is exact at a pick level; a few requests of slack for the concurrency
  assert.ok(Math.abs((counts.get('heavy') ?? 0) - 900) <= 20, `heavy: ${counts.get('heavy')}`);
  assert.ok(Math.abs((counts.get('light') ?? 0) - 100) <= 20, `light: ${counts.get('light')}`);
});

test('no algorithm: an admin re-weight changes the split of the next requests', async () => {
  const [a, b] = await named('a', 'b');
  const fulcrum = await startFulcrum(yaml`
    listeners:
      - name: web
        address: 127.0.0.1:0
        routes: [ { service: api } ]
    services:
      api:
        backends: [ { address: ${a!.address} }, { address: ${b!.address} } ]
  `);
  cleanups.push(() => fulcrum.close());
  const { admin, url } = await startAdmin(fulcrum);
  cleanups.push(() => admin.close());
  const port = portOf(fulcrum);
  const client = agent();
  const before = tally(await askMany(port, 200, 1, () => ['/', { agent: client }]));
  assert.deepEqual([before.get('a'), before.get('b')], [100, 100]);
  const patched = await adminCall(url, 'PATCH', `/api/v1/services/api/backends/${a!.address}`, { weight: 3 });
  assert.equal(patched.status, 200);
  const afterward = tally(await askMany(port, 200, 1, () => ['/', { agent: client }]));
  console.log(`# after weight 3:1: a ${afterward.get('a')}, b ${afterward.get('b')}`);
  assert.ok(Math.abs((afterward.get('a') ?? 0) - 150) <= 2, `a: ${afterward.get('a')}`);
  assert.ok(Math.abs((afterward.get('b') ?? 0) - 50) <= 2, `b: ${afterward.get('b')}`);
});

test('no algorithm: a backend back from a failure takes a small share during slow start', async () => {
  const [old, fresh] = await Promise.all([startSwitchableBackend('old'), startSwitchableBackend('fresh')]);
  cleanups.push(() => old.close());
  cleanups.push(() => fresh.close());
  fresh.mode = 'fail';
  const fulcrum = await startFulcrumLogged(
    yaml`
      listeners:
        - name: web
          address: 127.0.0.1:0
          routes: [ { service: api } ]
      services:
        api:
          backends: [ { address: ${old.address} }, { address: ${fresh.address} } ]
          healthCheck: { type: http, path: /healthz, interval: 500ms, timeout: 450ms, healthyThreshold: 1, unhealthyThreshold: 1 }
          slowStart: 10m
    `,
    captureLogger().logger,
  );
  cleanups.push(() => fulcrum.close());
  const service = fulcrum.services.get('api')!;
  await nextHealthEvent(service, 'unhealthy', fresh.address);
  const up = nextHealthEvent(service, 'healthy', fresh.address);
  fresh.mode = 'ok';
  await up;
  const backend = service.backends.find((b) => b.id === fresh.address)!;
  // a 10-minute ramp: during this test the factor stays at its floor, far below 1
  assert.ok(backend.effectiveWeight() < 0.2, `effective weight ${backend.effectiveWeight()}`);
  assert.equal(service.backends.find((b) => b.id === old.address)!.effectiveWeight(), 1); // the other one never left
  const client = agent();
  const names = await askMany(portOf(fulcrum), 200, 1, () => ['/', { agent: client }]);
  const share = (tally(names).get('fresh') ?? 0) / names.length;
  console.log(`# slow start under the default: fresh took ${(share * 100).toFixed(1)}% (round-robin would give 50%)`);
  // weight w against 1: share w/(1+w), about 9% at the 0.1 floor
  assert.ok(share > 0.03 && share < 0.2, `fresh share ${share}`);
});
