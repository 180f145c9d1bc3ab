// One shape per listener protocol: what each kind carries at runtime, and where a key of another
// kind, or a missing one, is reported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PROTOCOLS } from '../../src/config/enums.js';
import { assertError, expectErrors, expectValid, listenerAt, yaml } from './helpers.js';

const services = ['services:', '  api: { backends: [ { address: 127.0.0.1:9001 } ] }'];
const withListeners = (...listeners: string[]) => yaml('listeners:', ...listeners.map((l) => `  - ${l}`), ...services);

test('every protocol has its listener shape, and the runtime sees only its keys', () => {
  const config = expectValid(
    withListeners(
      '{ name: a, address: 127.0.0.1:0, routes: [ { service: api } ] }',
      '{ name: b, address: 127.0.0.1:0, protocol: http, redirectToHttps: true }',
      '{ name: c, address: 127.0.0.1:0, protocol: tcp, service: api, limits: { maxHeaders: 5 }, trustedProxies: [10.0.0.0/8], http2: {} }',
      '{ name: d, address: 127.0.0.1:0, protocol: tls, routes: [ { match: { sni: a.test }, middlewares: [], service: api } ] }',
      '{ name: e, address: 127.0.0.1:0, protocol: udp, service: api }',
    ),
  );
  assert.deepEqual(
    config.listeners.map((l) => l.protocol),
    ['http', 'http', 'tcp', 'tls', 'udp'],
  );
  assert.deepEqual(listenerAt(config, 1, 'http').routes, []);
  // HTTP settings on an L4 listener are accepted (and checked) as ever, then left out
  assert.deepEqual(Object.keys(listenerAt(config, 2, 'tcp')).sort(), ['address', 'maxConnections', 'name', 'protocol', 'service', 'timeouts']);
  const tls = listenerAt(config, 3, 'tls');
  assert.equal('service' in tls, false);
  assert.deepEqual(tls.routes, [{ match: { sni: ['a.test'] }, service: 'api' }]);
  const udp = listenerAt(config, 4, 'udp');
  assert.deepEqual([udp.service, udp.sessionTimeout, udp.maxSessions], ['api', 30_000, 10_000]);
});

test('a listener protocol outside the enumeration lists every protocol', () => {
  const errors = expectErrors(withListeners('{ name: a, address: 127.0.0.1:0, protocol: quic, service: api }'));
  assertError(errors, 'listeners[0].protocol', '2:48', `expected ${PROTOCOLS.join(' | ')}, got "quic"`);
  assert.equal(errors.length, 1);
});

test('routes on a udp listener, a missing service and a tcp redirect are reported where written', () => {
  const errors = expectErrors(
    withListeners(
      '{ name: a, address: 127.0.0.1:0, protocol: udp, routes: [ { service: api } ] }',
      '{ name: b, address: 127.0.0.1:0, protocol: tcp, service: api, redirectToHttps: false }',
      '{ name: c, address: 127.0.0.1:0, protocol: https, service: api }',
    ),
  );
  assertError(errors, 'listeners[0]', '2:5', "a udp listener needs 'service'");
  assertError(errors, 'listeners[0].routes', '2:61', "a udp listener has no routes; use 'service'");
  assertError(errors, 'listeners[1].redirectToHttps', '3:84', "'redirectToHttps' is for http listeners (this one is tcp)");
  assertError(errors, 'listeners[2].service', '4:64', "an https listener sends requests through 'routes'; 'service' is for tcp, tls and udp listeners");
  assertError(errors, 'listeners[2]', '4:5', "an https listener needs 'routes' (at least one)");
  assertError(errors, 'listeners[2]', '4:5', "an https listener needs 'tls' (its certificates)");
  assert.equal(errors.length, 6);
});

test('a key of another kind is still checked as it would be there', () => {
  const errors = expectErrors(withListeners('{ name: a, address: 127.0.0.1:0, sessionTimeout: soon, routes: [ { service: api } ] }'));
  assertError(errors, 'listeners[0].sessionTimeout', '2:54', 'expected a duration like "5s" or "250ms", got "soon"');
  assertError(errors, 'listeners[0].sessionTimeout', '2:54', "'sessionTimeout' is for udp listeners (this one is http)");
});

test("a missing service is reported beside the listener's other errors, and a misspelled key suggests the right one", () => {
  const errors = expectErrors(withListeners('{ name: a, address: 127.0.0.1:0, protocol: tcp, servce: api, timeouts: { idle: soon } }'));
  assertError(errors, 'listeners[0]', '2:5', "a tcp listener needs 'service'");
  assertError(errors, 'listeners[0].servce', '2:53', "unknown key 'servce' (did you mean 'service'?)");
  assertError(errors, 'listeners[0].timeouts.idle', '2:84', 'expected a duration');
});
