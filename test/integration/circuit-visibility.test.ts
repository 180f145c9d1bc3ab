// The circuit breaker seen from outside (issue 11, 5c): each transition logged once with the service
// and why; /metrics exports its state, trips and refusals; its 503s count in the request series of
// the route's service.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfigText } from '../../src/config/index.js';
import { Fulcrum } from '../../src/fulcrum.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { startHttpBackend, type HttpBackend } from '../helpers/http-backend.js';
import { portOf, yaml } from '../helpers/fulcrum.js';
import { request } from '../helpers/http-get.js';
import { parseExposition, sampleValue } from '../helpers/prometheus-format.js';

let backend: HttpBackend;
let fulcrum: Fulcrum;
let port: number;
const captured = captureLogger();

before(async () => {
  backend = await startHttpBackend((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(500, { 'content-length': '6' });
      res.end('broken');
    });
  });
  const parsed = parseConfigText(
    yaml`
      listeners:
        - name: web
          address: 127.0.0.1:0
          routes: [ { service: flaky } ]
      services:
        flaky:
          backends: [ { address: ${backend.address} } ]
          circuitBreaker: { errorRatio: 0.5, minRequests: 3, openFor: 1m }
    `,
    'test.yaml',
  );
  assert.ok(parsed.ok);
  fulcrum = await Fulcrum.start(parsed.config, { logger: captured.logger });
  port = portOf(fulcrum);
});

after(async () => {
  await fulcrum?.close();
  await backend?.close();
});

test('a trip is logged once with the service and why; /metrics shows state, trips, refusals and the 503s under the service', async () => {
  const before = parseExposition(await fulcrum.metrics());
  assert.equal(sampleValue(before, 'fulcrum_circuit_state', { service: 'flaky' }), 0, 'closed');
  assert.equal(sampleValue(before, 'fulcrum_circuit_trips_total', { service: 'flaky' }), 0);

  for (let i = 0; i < 3; i++) assert.equal((await request(port, `/fail${i}`)).status, 500);
  for (let i = 0; i < 2; i++) {
    const refused = await request(port, `/refused${i}`);
    assert.equal(refused.status, 503);
    assert.equal(refused.headers['x-fulcrum-circuit'], 'open');
  }

  const transitions = captured.lines().filter((line) => typeof line.msg === 'string' && line.msg.startsWith('circuit breaker'));
  assert.equal(transitions.length, 1, JSON.stringify(transitions));
  const [trip] = transitions;
  assert.equal(trip!.serviceName, 'flaky');
  assert.equal(trip!.from, 'closed');
  assert.equal(trip!.to, 'open');
  assert.match(String(trip!.reason), /3 of 3 outcomes in the window failed/);
  assert.equal(trip!.level, 40, 'warn');

  const after = parseExposition(await fulcrum.metrics());
  assert.equal(sampleValue(after, 'fulcrum_circuit_state', { service: 'flaky' }), 1, 'open');
  assert.equal(sampleValue(after, 'fulcrum_circuit_trips_total', { service: 'flaky' }), 1);
  assert.equal(sampleValue(after, 'fulcrum_circuit_refused_total', { service: 'flaky', reason: 'open' }), 2);
  assert.equal(sampleValue(after, 'fulcrum_circuit_refused_total', { service: 'flaky', reason: 'max-requests' }), 0);
  // the 503s: in the request series of the route's service, with no backend (none was asked)
  assert.equal(sampleValue(after, 'fulcrum_requests_total', { service: 'flaky', backend: '', code: '5xx' }), 2);
  assert.equal(sampleValue(after, 'fulcrum_requests_total', { service: 'flaky', backend: backend.address, code: '5xx' }), 3);
});
