import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { captureLogger, get, nextHealthEvent, startFulcrumLogged, startSwitchableBackend, until, type SwitchableBackend } from '../helpers/health.js';
import { portOf, yaml } from '../helpers/fulcrum.js';
import { closedPort } from '../helpers/raw-backend.js';

describe('passive health (outlier detection) and panic mode through a running Fulcrum', () => {
  const cleanups: Array<() => Promise<void>> = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });
  async function setup(addresses: string[], serviceExtra: string, backends: SwitchableBackend[] = []) {
    const captured = captureLogger();
    const fulcrum = await startFulcrumLogged(
      yaml`
        listeners:
          - name: web
            address: 127.0.0.1:0
            routes: [ { service: api } ]
        services:
          api:
            backends: [ ${addresses.map((a) => `{ address: ${a} }`).join(', ')} ]
            retries: { attempts: 0 }
            ${serviceExtra}
      `,
      captured.logger,
    );
    cleanups.push(async () => {
      await fulcrum.close();
      await Promise.all(backends.map((b) => b.close()));
    });
    return { service: fulcrum.services.get('api')!, port: portOf(fulcrum), captured };
  }

  it('ejects a backend after maxFails consecutive connect failures, for longer each time', async () => {
    const good = await startSwitchableBackend('good');
    const dead = `127.0.0.1:${await closedPort()}`;
    const { service, port, captured } = await setup([good.address, dead], 'passiveHealth: { maxFails: 3, failTimeout: 150ms, maxEjectionTime: 1s }\n            panicThreshold: 0', [good]);
    const durations: number[] = [];
    for (let round = 1; round <= 3; round++) {
      const ejected = nextHealthEvent(service, 'ejected', dead);
      let failures = 0;
      while (!service.backends[1]!.ejected) if ((await get(port)).status === 502) failures++;
      const event = await ejected;
      assert.equal(failures, round === 1 ? 3 : failures, 'three 502s before the first ejection');
      assert.match(event.reason, /3 consecutive failures \(last: connect failure\)/);
      for (let i = 0; i < 5; i++) assert.equal((await get(port)).backend, 'good', 'traffic avoids the ejected backend');
      const returned = await nextHealthEvent(service, 'returned', dead, 2_000);
      durations.push(returned.at - event.at);
    }
    // 150, 300, 450 ms (base × ejections)
    durations.forEach((d, i) => assert.ok(d >= 150 * (i + 1) - 20 && d < 150 * (i + 1) + 150, `ejection ${i + 1} lasted ${d.toFixed(0)} ms`));
    console.log(`# ejections lasted ${durations.map((d) => d.toFixed(0)).join(', ')} ms (failTimeout 150 ms)`);
    const lines = captured.entries().filter((e) => e.msg === 'backend ejected');
    assert.equal(lines.length, 3, 'one line per ejection');
    assert.deepEqual(
      lines.map((l) => l.ejectedForMs),
      [150, 300, 450],
    );
  });

  it('counts 5xx with on5xx, and ejects at most maxEjectionPercent of the service', async () => {
    const backends = await Promise.all(['a', 'b', 'c', 'd'].map((n) => startSwitchableBackend(n)));
    for (const b of backends) b.trafficStatus = 500;
    const { service, port } = await setup(
      backends.map((b) => b.address),
      'passiveHealth: { maxFails: 2, failTimeout: 10s, on5xx: true, maxEjectionPercent: 50 }\n            panicThreshold: 0',
      backends,
    );
    for (let i = 0; i < 40; i++) await get(port);
    assert.equal(service.backends.filter((b) => b.ejected).length, 2, 'half of 4');
    assert.equal(service.backends.filter((b) => b.available()).length, 2);
  });

  it('panic: with every backend failing its check, traffic still flows to them; panicThreshold 0 answers 503', async () => {
    const backends = await Promise.all(['a', 'b'].map((n) => startSwitchableBackend(n)));
    for (const b of backends) b.mode = 'fail';
    const check = 'healthCheck: { type: http, path: /healthz, interval: 100ms, timeout: 50ms, unhealthyThreshold: 1 }';
    const panicking = await setup(
      backends.map((b) => b.address),
      `${check}\n            panicThreshold: 50`,
      backends,
    );
    const panic = await nextHealthEvent(panicking.service, 'panic', null);
    assert.match(panic.reason, /fewer than 50% of backends are healthy/);
    assert.ok(panicking.service.backends.every((b) => !b.healthy));
    const seen = new Set<string | undefined>();
    for (let i = 0; i < 6; i++) {
      const answer = await get(panicking.port);
      assert.equal(answer.status, 200);
      seen.add(answer.backend);
    }
    assert.deepEqual([...seen].sort(), ['a', 'b'], 'spread over all of them');
    assert.equal(panicking.captured.entries().filter((e) => String(e.msg).startsWith('panic mode:')).length, 1);

    const strict = await setup(
      backends.map((b) => b.address),
      `${check}\n            panicThreshold: 0`,
    );
    await until(() => strict.service.backends.every((b) => !b.healthy), 2_000, 'both backends down');
    assert.equal((await get(strict.port)).status, 503);

    const calm = nextHealthEvent(panicking.service, 'calm', null);
    backends[0]!.mode = 'ok';
    await calm;
    for (let i = 0; i < 4; i++) assert.equal((await get(panicking.port)).backend, 'a', 'out of panic: only the healthy one');
  });
});
