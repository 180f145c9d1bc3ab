import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Fulcrum } from '../../src/fulcrum.js';
import { captureLogger, get, nextHealthEvent, startFulcrumLogged, startSwitchableBackend, until, type SwitchableBackend } from '../helpers/health.js';
import { portOf, yaml } from '../helpers/fulcrum.js';

const INTERVAL = 100;

function config(
  backends: SwitchableBackend[],
  check = `{ type: http, path: /healthz, interval: ${INTERVAL}ms, timeout: 60ms, healthyThreshold: 2, unhealthyThreshold: 2 }`,
  extra = '',
): string {
  return yaml`
    listeners:
      - name: web
        address: 127.0.0.1:0
        routes: [ { service: api } ]
    services:
      api:
        backends: [ ${backends.map((b) => `{ address: ${b.address} }`).join(', ')} ]
        healthCheck: ${check}
        panicThreshold: 0
        ${extra}
  `;
}

describe('active health checks through a running Fulcrum', () => {
  const cleanups: Array<() => Promise<void>> = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });
  async function setup(names: string[], check?: string, extra?: string) {
    const backends = await Promise.all(names.map((n) => startSwitchableBackend(n)));
    const captured = captureLogger();
    const fulcrum: Fulcrum = await startFulcrumLogged(config(backends, check, extra), captured.logger);
    cleanups.push(async () => {
      await fulcrum.close();
      await Promise.all(backends.map((b) => b.close()));
    });
    return { backends, fulcrum, service: fulcrum.services.get('api')!, port: portOf(fulcrum), captured };
  }

  it('takes a backend whose check fails out of rotation and brings it back within rise × interval, one log line each way', async () => {
    const { backends, service, port, captured } = await setup(['a', 'b']);
    const [, b] = backends;
    await until(() => b!.probes >= 1, 2_000, 'the first probe (no traffic needed)');
    const down = nextHealthEvent(service, 'unhealthy', b!.address);
    const failedAt = performance.now();
    b!.mode = 'fail';
    const event = await down;
    const detection = event.at - failedAt;
    assert.equal(event.reason, 'http: status 500');
    // fall = 2 probes: at most 2 intervals (+ probe time) after the switch
    assert.ok(detection < 3 * INTERVAL + 100, `detected after ${detection.toFixed(0)} ms`);
    for (let i = 0; i < 10; i++) assert.equal((await get(port)).backend, 'a');

    const up = nextHealthEvent(service, 'healthy', b!.address);
    const fixedAt = performance.now();
    b!.mode = 'ok';
    const recovered = await up;
    const recovery = recovered.at - fixedAt;
    assert.ok(recovery < 3 * INTERVAL + 100, `recovered after ${recovery.toFixed(0)} ms (rise 2 × ${INTERVAL} ms)`);
    const seen = new Set<string | undefined>();
    for (let i = 0; i < 6; i++) seen.add((await get(port)).backend);
    assert.deepEqual([...seen].sort(), ['a', 'b']);
    console.log(`# detection ${detection.toFixed(0)} ms, recovery ${recovery.toFixed(0)} ms (interval ${INTERVAL} ms, fall 2, rise 2)`);

    const transitions = captured.entries().filter((e) => e.backend === b!.address && (e.msg === 'backend unhealthy' || e.msg === 'backend healthy'));
    assert.deepEqual(
      transitions.map((e) => `${e.msg} ${e.from}->${e.to}`),
      ['backend healthy unknown->healthy', 'backend unhealthy healthy->unhealthy', 'backend healthy unhealthy->healthy'],
      'one line per transition, none per probe',
    );
    assert.ok(b!.probes >= 5, 'probes kept running');
  });

  it('a killed backend goes down on tcp checks; all down answers a fast 503 with Retry-After; its return is seen', async () => {
    const { backends, service, port } = await setup(['a'], `{ type: tcp, interval: ${INTERVAL}ms, timeout: 40ms, healthyThreshold: 2, unhealthyThreshold: 2, downInterval: 50ms }`);
    const [a] = backends;
    const portA = a!.port;
    const down = nextHealthEvent(service, 'unhealthy', a!.address);
    await a!.close();
    assert.match((await down).reason, /ECONNREFUSED/);
    const started = performance.now();
    const answer = await get(port);
    assert.equal(answer.status, 503);
    assert.equal(answer.retryAfter, '1');
    assert.ok(performance.now() - started < 100, 'no backend tried');
    const up = nextHealthEvent(service, 'healthy', a!.address);
    const again = await startSwitchableBackend('a2', portA);
    cleanups.push(() => again.close());
    const back = await up;
    assert.ok(back.at - started < 2_000);
    assert.equal((await get(port)).backend, 'a2');
  });

  it('a backend that accepts but never answers fails on the timeout', async () => {
    const { backends, service } = await setup(['a', 'b']);
    const down = nextHealthEvent(service, 'unhealthy', backends[0]!.address);
    backends[0]!.mode = 'hang';
    assert.equal((await down).reason, 'timeout after 60 ms');
  });

  it('a flapping backend causes no transition without N consecutive results', async () => {
    const { backends, service, captured } = await setup(['a', 'b']);
    const [a] = backends;
    await until(() => a!.probes >= 1, 2_000, 'the first probe');
    const events: string[] = [];
    service.health.on('transition', (e) => events.push(`${e.kind} ${e.backend?.id}`));
    a!.mode = 'flap';
    const from = a!.probes;
    await until(() => a!.probes >= from + 12, 5_000, '12 flapping probes');
    assert.deepEqual(events, []);
    assert.equal(service.backends[0]!.healthy, true);
    assert.equal(captured.entries().filter((e) => e.msg === 'backend unhealthy').length, 0);
  });

  it('initialState unhealthy waits for the first check before sending traffic', async () => {
    const { backends, service, port } = await setup(['a'], `{ type: http, path: /healthz, interval: ${INTERVAL}ms, timeout: 60ms, initialState: unhealthy, jitter: 50ms }`);
    assert.equal(service.backends[0]!.healthStatus === 'unknown' ? (await get(port)).status : 503, 503);
    await until(() => service.backends[0]!.healthy, 2_000, 'the first check');
    assert.equal((await get(port)).backend, backends[0]!.name);
  });
});
