import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { loadConfigFile, parseConfigText } from '../../src/config/load.js';
import { weightWarnings } from '../../src/cli/check-warnings.js';
import { printableConfig } from '../../src/config/print.js';
import { assertError, expectErrors, expectValid, yaml } from './helpers.js';

const withService = (...lines: string[]) => yaml('listeners:', '  - name: dns', '    address: 127.0.0.1:0', '    protocol: udp', '    service: api', 'services:', '  api:', ...lines);

test('discovery.dns gets its defaults; a service may have it instead of backends', () => {
  const config = expectValid(withService('    discovery: { dns: { name: api.internal, port: 8080 } }'));
  const api = config.services.get('api')!;
  assert.deepEqual(api.backends, []);
  assert.deepEqual(api.discovery, {
    dns: { name: 'api.internal', type: 'A', port: 8080, refresh: 10_000, timeout: 2_000, hold: { nx: 30_000, error: 300_000 } },
  });
  const srv = expectValid(
    withService(
      '    backends: [ { address: 127.0.0.1:53 } ]',
      '    discovery: { dns: { name: _dns._udp.example.test, type: SRV, resolvers: ["127.0.0.1:5353", "[::1]:53"], refresh: 30s, hold: { nx: 5s } } }',
    ),
  );
  const dns = srv.services.get('api')!.discovery!.dns;
  assert.deepEqual(dns.resolvers, [
    { host: '127.0.0.1', port: 5353 },
    { host: '::1', port: 53 },
  ]);
  assert.deepEqual(dns.hold, { nx: 5_000, error: 300_000 });
});

test('discovery mistakes are positioned: no backends and no discovery, a port on SRV, none on A, a bad name, timeout not below refresh', () => {
  assertError(expectErrors(withService('    timeouts: { connect: 1s }')), 'services.api.backends', '8:5', "a service needs at least one backend, or 'discovery' to find them");
  assertError(
    expectErrors(withService('    discovery: { dns: { name: _x._tcp.api.internal, type: SRV, port: 80 } }')),
    'services.api.discovery.dns.port',
    '8:70',
    'SRV records give the port: leave port out',
  );
  assertError(expectErrors(withService('    discovery: { dns: { name: api.internal, type: AAAA } }')), 'services.api.discovery.dns.port', '8:23', 'an AAAA record has no port: set port');
  assertError(expectErrors(withService('    discovery: { dns: { name: "not a name", port: 80 } }')), 'services.api.discovery.dns.name', '8:31', 'expected a DNS name');
  assertError(
    expectErrors(withService('    discovery: { dns: { name: a.internal, port: 80, refresh: 1s, timeout: 1s } }')),
    'services.api.discovery.dns.timeout',
    '8:75',
    'timeout (1000 ms) must be below refresh',
  );
  assertError(
    expectErrors(withService('    discovery: { dns: { name: a.internal, port: 80, resolvers: [ns.example:53] } }')),
    'services.api.discovery.dns.resolvers[0]',
    '8:65',
    'expected a resolver "IP:port"',
  );
  assertError(expectErrors(withService('    discovery: { dns: { name: a.internal, port: 80, type: MX } }')), 'services.api.discovery.dns.type', '8:59', 'expected A | AAAA | SRV');
});

test('a dns health check: defaults, its own fields only, a query required; replyTimeout only on udp listeners', () => {
  const config = expectValid(withService('    backends: [ { address: 127.0.0.1:53 } ]', '    healthCheck: { type: dns, query: health.example.test, expectAnswer: 10.0.0.1 }'));
  const check = config.services.get('api')!.healthCheck!;
  assert.equal(check.queryType, 'A');
  assert.equal(check.expectRcode, 'NOERROR');
  assert.equal(check.transport, 'udp');
  assert.equal(check.expectAnswer, '10.0.0.1');
  assertError(
    expectErrors(withService('    backends: [ { address: 127.0.0.1:53 } ]', '    healthCheck: { type: dns }')),
    'services.api.healthCheck.query',
    '9:18',
    'a dns check needs query',
  );
  assertError(
    expectErrors(withService('    backends: [ { address: 127.0.0.1:53 } ]', '    healthCheck: { type: tcp, query: a.test }')),
    'services.api.healthCheck.query',
    '9:38',
    "'query' is for dns checks",
  );
  assertError(
    expectErrors(withService('    backends: [ { address: 127.0.0.1:53 } ]', '    healthCheck: { type: dns, query: a.test, expectAnswer: nope }')),
    'services.api.healthCheck.expectAnswer',
    '9:60',
    'expected an IP address',
  );
  assert.equal(expectValid(withService('    backends: [ { address: 127.0.0.1:53 } ]').replace('protocol: udp', 'protocol: udp\n    replyTimeout: 2s')).listeners[0]!.protocol, 'udp');
  const tcp = yaml(
    'listeners:',
    '  - { name: db, address: 127.0.0.1:0, protocol: tcp, service: api, replyTimeout: 2s }',
    'services:',
    '  api: { backends: [ { address: 127.0.0.1:5432 } ] }',
  );
  assertError(expectErrors(tcp), 'listeners[0].replyTimeout', '2:82', "'replyTimeout' is for udp listeners");
});

test('the printed config writes discovery and the dns check back with units, and loads again to the same config', () => {
  const original = expectValid(
    withService(
      '    discovery: { dns: { name: api.internal, port: 53, resolvers: [127.0.0.1:5353], refresh: 5s, hold: { nx: 10s, error: 1m } } }',
      '    healthCheck: { type: dns, query: health.example.test, transport: tcp }',
    ).replace('protocol: udp', 'protocol: udp\n    replyTimeout: 1500ms'),
  );
  const printed = printableConfig(original) as { services: { api: { discovery: unknown } } };
  assert.deepEqual(printed.services.api.discovery, {
    dns: { name: 'api.internal', type: 'A', port: 53, resolvers: ['127.0.0.1:5353'], refresh: '5s', timeout: '2s', hold: { nx: '10s', error: '1m' } },
  });
  const again = parseConfigText(stringify(printed), 'printed.yaml');
  assert.ok(again.ok, JSON.stringify(!again.ok && again.errors));
  assert.deepEqual(printableConfig(again.config), printableConfig(original));
});

test('fulcrum check warns when SRV weights meet an algorithm that ignores weights', () => {
  const text = withService('    algorithm: round-robin', '    discovery: { dns: { name: _dns._udp.example.test, type: SRV } }');
  const warnings = weightWarnings(expectValid(text), text);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /^test\.yaml:8:16 services\.api\.algorithm: warning: service 'api' takes SRV records, whose weights round-robin ignores/);
  const weighted = withService('    discovery: { dns: { name: _dns._udp.example.test, type: SRV } }');
  assert.deepEqual(weightWarnings(expectValid(weighted), weighted), []);
});

test('examples/discovery.yaml is valid', async () => {
  const path = new URL('../../../examples/discovery.yaml', import.meta.url).pathname;
  const loaded = await loadConfigFile(path);
  assert.ok(loaded.ok, JSON.stringify(!loaded.ok && loaded.errors));
  assert.equal(loaded.config.services.get('api')!.discovery!.dns.type, 'SRV');
  assert.equal(loaded.config.services.get('resolvers')!.healthCheck!.type, 'dns');
});
