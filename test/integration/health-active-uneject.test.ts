// A backend that was ejected by passive health while it was down returns as soon as the active
// check brings it back up (Envoy's successful_active_health_check_uneject_host), instead of staying
// out for the rest of failTimeout; a backend whose check never failed stays ejected.
import { after, it } from 'node:test';
import assert from 'node:assert/strict';
import { captureLogger, get, nextHealthEvent, startFulcrumLogged, startSwitchableBackend, until } from '../helpers/health.js';
import { portOf, yaml } from '../helpers/fulcrum.js';

it('an active recovery ends a passive ejection; a passing check does not end one caused by traffic', async () => {
  const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((n) => startSwitchableBackend(n)));
  const log = captureLogger();
  const fulcrum = await startFulcrumLogged(
    yaml`
      listeners:
        - name: web
          address: 127.0.0.1:0
          routes: [ { service: app } ]
      services:
        app:
          backends: [ { address: ${a!.address} }, { address: ${b!.address} }, { address: ${c!.address} } ]
          healthCheck: { type: http, path: /healthz, interval: 500ms, downInterval: 100ms, timeout: 80ms, healthyThreshold: 2, unhealthyThreshold: 2 }
          passiveHealth: { maxFails: 2, failTimeout: 1m, on5xx: true, maxEjectionPercent: 100 }
          retries: { attempts: 3, on: [connect-failure] }
    `,
    log.logger,
  );
  const backends = [a!, b!, c!];
  after(async () => {
    await fulcrum.close();
    await Promise.all(backends.map((x) => x.close()));
  });
  const service = fulcrum.services.get('app')!;
  const port = portOf(fulcrum);
  const backendOf = (address: string) => service.backends.find((x) => x.id === address)!;

  await until(() => service.backends.every((x) => x.healthStatus === 'healthy'), 3_000, 'every backend checked healthy');
  // b dies: traffic ejects it (connect failures, before the slower check notices), then the check takes it down
  const ejected = nextHealthEvent(service, 'ejected', b!.address);
  const down = nextHealthEvent(service, 'unhealthy', b!.address, 5_000);
  const portB = b!.port;
  await b!.close();
  await until(async () => (await get(port)).status === 200 && backendOf(b!.address).ejected, 3_000, 'b ejected by traffic');
  await ejected;
  await down;
  // it comes back: the check's rise ends the 1-minute ejection
  const returned = nextHealthEvent(service, 'returned', b!.address);
  backends[1] = await startSwitchableBackend('b', portB);
  assert.equal((await returned).reason, 'active check passed');
  assert.equal(backendOf(b!.address).ejected, false);
  await until(async () => (await get(port)).backend === 'b', 3_000, 'b serving again');
  assert.ok(log.entries().some((e) => e.msg === 'backend returned' && e.reason === 'active check passed'));

  // c answers 500 to traffic while its check passes: ejected, and it stays so
  c!.trafficStatus = 500;
  await until(async () => (await get(port)) !== undefined && backendOf(c!.address).ejected, 3_000, 'c ejected by its 5xx');
  await new Promise((resolve) => setTimeout(resolve, 1_200)); // two passing probes
  assert.equal(backendOf(c!.address).ejected, true, 'a check that never failed does not end the ejection');
});
