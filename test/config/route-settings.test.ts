// Per-route timeouts and limits: validated where written, resolved at load against the service's
// timeouts and the listener's limits (issue 11, item 6).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diffConfigs } from '../../src/config/diff.js';
import { assertError, expectErrors, expectValid, listenerAt, yaml } from './helpers.js';

const config = (...routes: string[]) =>
  yaml(
    'listeners:',
    '  - name: web',
    '    address: 127.0.0.1:8080',
    '    limits: { maxBodyBytes: 10mb }',
    '    routes:',
    ...routes,
    'services:',
    '  api:',
    '    backends: [ { address: 127.0.0.1:9001 } ]',
    '    timeouts: { response: 30s, idle: 1m }',
    '  edge:',
    '    backends: [ { address: 127.0.0.1:9002 } ]',
    '  passthrough:',
    '    backends: [ { address: 127.0.0.1:9003 } ]',
  );

test("a route's own timeouts and maxBodyBytes win; what it leaves out is the service's and the listener's", () => {
  const routes = listenerAt(
    expectValid(
      config(
        '      - { match: { pathPrefix: /a/ }, service: api, timeouts: { response: 2s }, limits: { maxBodyBytes: 1mb } }',
        '      - { match: { pathPrefix: /b/ }, service: api, timeouts: { idle: 250ms } }',
        '      - { service: edge }',
      ),
    ),
    0,
    'http',
  ).routes;
  assert.deepEqual(routes[0]!.timeouts, { response: 2_000 });
  assert.deepEqual(routes[0]!.limits, { maxBodyBytes: 1024 ** 2 });
  assert.deepEqual(routes[0]!.settings, { responseTimeout: 2_000, idleTimeout: 60_000, maxBodyBytes: 1024 ** 2 });
  assert.deepEqual(routes[1]!.settings, { responseTimeout: 30_000, idleTimeout: 250, maxBodyBytes: 10 * 1024 ** 2 });
  assert.equal(routes[2]!.timeouts, undefined);
  assert.deepEqual(routes[2]!.settings, { responseTimeout: 30_000, idleTimeout: 60_000, maxBodyBytes: 10 * 1024 ** 2 }, "edge's default timeouts");
});

test('per-route timeouts and limits: bad values and unknown keys are refused where written', () => {
  const errors = expectErrors(
    config(
      '      - { match: { pathPrefix: /a/ }, service: api, timeouts: { response: soon } }',
      '      - { match: { pathPrefix: /b/ }, service: api, limits: { maxBodyBytes: lots } }',
      '      - { service: api, timeouts: { connect: 1s }, limits: { maxHeaders: 5 } }',
    ),
  );
  assertError(errors, 'listeners[0].routes[0].timeouts.response', '6:75', 'expected a duration like "5s"');
  assertError(errors, 'listeners[0].routes[1].limits.maxBodyBytes', '7:77', 'expected a size like "16kb"');
  assertError(errors, 'listeners[0].routes[2].timeouts.connect', '8:37', "unknown key 'connect'");
  assertError(errors, 'listeners[0].routes[2].limits.maxHeaders', '8:62', "unknown key 'maxHeaders'");
});

test('a tls (passthrough) route refuses timeouts and limits, saying why', () => {
  const errors = expectErrors(
    yaml(
      'listeners:',
      '  - name: pass',
      '    address: 127.0.0.1:8443',
      '    protocol: tls',
      '    routes: [ { match: { sni: a.example.com }, service: api, timeouts: { response: 1s } } ]',
      '    service: api',
      'services:',
      '  api: { backends: [ { address: 127.0.0.1:9001 } ] }',
    ),
  );
  assertError(errors, 'listeners[0].routes[0].timeouts', '5:72', 'per-route timeouts are for http and https routes');
});

test("a reload that changes only the service's timeouts changes the listener too (its routes carry the resolved values)", () => {
  const route = '      - { service: api }';
  const before = expectValid(config(route));
  const after = expectValid(config(route).replace('timeouts: { response: 30s, idle: 1m }', 'timeouts: { response: 3s, idle: 1m }'));
  const diff = diffConfigs(before, after);
  assert.deepEqual(diff.services.changed, ['api']);
  assert.equal(diff.listeners.kept[0]!.changed, true, 'the listener is rebuilt with the new response timeout');
  assert.equal(listenerAt(after, 0, 'http').routes[0]!.settings!.responseTimeout, 3_000);
});
