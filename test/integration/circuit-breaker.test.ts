// The circuit breaker through a running Fulcrum: over a limit the answer is an immediate 503
// with Retry-After; an error ratio opens the breaker, and half-open trials close or re-open it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Fulcrum } from '../../src/fulcrum.js';
import { ask, startNamedBackend, type NamedBackend } from '../helpers/named-backends.js';
import { startHttpBackend, type HttpBackend } from '../helpers/http-backend.js';
import { portOf, startFulcrum, yaml } from '../helpers/fulcrum.js';
import { breakerClock } from '../../src/pool/circuit-breaker.js';

describe('circuit breaker', () => {
  let held: NamedBackend;
  let flaky: HttpBackend;
  let failing = true;
  let fulcrum: Fulcrum;
  let port: number;

  before(async () => {
    held = await startNamedBackend('held');
    flaky = await startHttpBackend((req, res) => {
      req.resume();
      req.on('end', () => {
        const fail = failing && req.url!.startsWith('/fail');
        res.writeHead(fail ? 500 : 200, { 'content-type': 'text/plain' });
        res.end(fail ? 'broken' : 'fine');
      });
    });
    fulcrum = await startFulcrum(yaml`
      listeners:
        - name: web
          address: 127.0.0.1:0
          routes:
            - { match: { query: { svc: requests } }, service: requests }
            - { match: { query: { svc: connections } }, service: connections }
            - service: ratio
      services:
        requests:
          backends: [ { address: ${held.address} } ]
          circuitBreaker: { maxRequests: 2 }
        connections:
          backends: [ { address: ${held.address} } ]
          circuitBreaker: { maxConnections: 1 }
        ratio:
          backends: [ { address: ${flaky.address} } ]
          circuitBreaker: { errorRatio: 0.5, minRequests: 4, window: 10s, openFor: 400ms, halfOpenRequests: 1 }
      log: { level: silent }
    `);
    port = portOf(fulcrum);
  });

  after(async () => {
    await fulcrum.close();
    await held.close();
    await flaky.close();
  });

  test('maxRequests: with two requests in flight the third gets a 503 at once, with Retry-After and the reason', async () => {
    const first = ask(port, '/hold1?svc=requests');
    const second = ask(port, '/hold2?svc=requests');
    await held.waitHeld(2);
    const started = performance.now();
    const refused = await ask(port, '/third?svc=requests');
    assert.ok(performance.now() - started < 500, 'answered at once');
    assert.equal(refused.status, 503);
    assert.equal(refused.headers['retry-after'], '1');
    assert.equal(refused.headers['x-fulcrum-circuit'], 'max-requests');
    held.release();
    assert.deepEqual([(await first).status, (await second).status], [200, 200]);
    assert.equal((await ask(port, '/after?svc=requests')).status, 200, 'admitted again once they finished');
    assert.equal(fulcrum.services.get('requests')!.breaker!.requests, 0);
  });

  test('maxConnections: a busy connection and no idle one to reuse means 503; the freed connection is reused', async () => {
    const first = ask(port, '/hold?svc=connections');
    await held.waitHeld(1);
    const refused = await ask(port, '/second?svc=connections');
    assert.equal(refused.status, 503);
    assert.equal(refused.headers['x-fulcrum-circuit'], 'max-connections');
    held.release();
    assert.equal((await first).status, 200);
    assert.equal((await ask(port, '/third?svc=connections')).status, 200, 'the pooled connection is reused');
  });

  test('error ratio: half of the window failing opens the breaker; half-open trials close or re-open it', async () => {
    const breaker = fulcrum.services.get('ratio')!.breaker!;
    failing = true;
    for (let i = 0; i < 4; i++) assert.equal((await ask(port, '/fail')).status, 500);
    assert.equal(breaker.stateName, 'open');
    const refused = await ask(port, '/ok');
    assert.equal(refused.status, 503, 'open: even a request that would succeed is refused');
    assert.equal(refused.headers['x-fulcrum-circuit'], 'open');
    assert.ok(Number(refused.headers['retry-after']) >= 1);

    // after openFor a trial goes through; it fails, so the breaker opens again
    await untilAdmitted(breaker);
    assert.equal((await ask(port, '/fail')).status, 500);
    assert.equal(breaker.stateName, 'open');
    assert.equal(breaker.trips, 2);

    // the backend recovers: the next trial succeeds and closes the breaker
    failing = false;
    await untilAdmitted(breaker);
    assert.equal((await ask(port, '/fail')).status, 200);
    assert.equal(breaker.stateName, 'closed');
    for (let i = 0; i < 5; i++) assert.equal((await ask(port, '/ok')).status, 200);
  });
});

/** Waits (bounded) for the open period to end, on the breaker's clock. */
async function untilAdmitted(breaker: { openUntil: number }): Promise<void> {
  const wait = breaker.openUntil - breakerClock() + 5;
  assert.ok(wait < 2_000, `open for ${wait} ms more`);
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
}
