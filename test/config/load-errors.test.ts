import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfigText, loadConfigFile } from '../../src/config/load.js';
import { formatConfigError, type ConfigError } from '../../src/config/errors.js';
import { assertError, expectErrors, minimal, yaml } from './helpers.js';

test('an unknown key names the key and suggests the closest allowed one', () => {
  const errors = expectErrors(
    yaml(
      'listeners:',
      '  - name: web',
      '    adress: 127.0.0.1:0',
      '    routes: [ { service: api } ]',
      'services:',
      '  api: { backends: [ { address: 127.0.0.1:9001, wieght: 2 } ] }',
      'middleware: {}',
    ),
  );
  assertError(errors, 'listeners[0].adress', '3:5', "unknown key 'adress' (did you mean 'address'?)");
  assertError(errors, 'services.api.backends[0].wieght', '6:49', "unknown key 'wieght' (did you mean 'weight'?)");
  assertError(errors, 'middleware', '7:1', "(did you mean 'middlewares'?)");
  // and the key it should have been is reported missing, at the listener
  assertError(errors, 'listeners[0].address', '2:5', "missing required key 'address'");
});

test('a bad duration says what a duration looks like', () => {
  const errors = expectErrors(minimal(['    timeouts: { header: 5 seconds }']));
  assertError(errors, 'listeners[0].timeouts.header', '4:25', 'expected a duration like "5s" or "250ms", got "5 seconds"');
  assert.equal(errors.length, 1);
});

test('a bad size says what a size looks like', () => {
  const errors = expectErrors(minimal(['    limits: { maxBodyBytes: 10 megs }']));
  assertError(errors, 'listeners[0].limits.maxBodyBytes', '4:29', 'expected a size like "16kb" or "10mb", got "10 megs"');
});

test('a bad address is reported at the value, formatted like compiler output', () => {
  const text = yaml(
    'listeners:',
    '  - name: web',
    '    address: 127.0.0.1:0',
    '    routes: [ { service: api } ]',
    'services:',
    '  api:',
    '    backends:',
    '      - address: 10.0.0.1:80',
    '      - address: 10.0.0.1',
  );
  const errors = expectErrors(text);
  assertError(errors, 'services.api.backends[1].address', '9:18', 'expected host:port');
  assert.equal(formatConfigError(errors[0]!), 'test.yaml:9:18 services.api.backends[1].address: expected host:port (e.g. 127.0.0.1:8080 or [::1]:8080), got "10.0.0.1"');
});

test('ports beyond 65535 and IPv6 without brackets are refused', () => {
  const errors = expectErrors(
    yaml(
      'admin: { address: "127.0.0.1:70000" }',
      'listeners:',
      '  - { name: web, address: "::1:8080", routes: [ { service: api } ] }',
      'services:',
      '  api: { backends: [ { address: 127.0.0.1:9001 } ] }',
    ),
  );
  assertError(errors, 'admin.address', '1:19', 'port must be 0..65535, got 70000');
  assertError(errors, 'listeners[0].address', '3:27', 'write IPv6 addresses as [addr]:port');
});

test("a route's missing service is named, with the closest existing one", () => {
  const errors = expectErrors(
    yaml(
      'listeners:',
      '  - name: web',
      '    address: 127.0.0.1:0',
      '    routes:',
      '      - match: { pathPrefix: /api/ }',
      '        service: apii',
      '        middlewares: [limit]',
      '      - service: web',
      'services:',
      '  api: { backends: [ { address: 127.0.0.1:9001 } ] }',
      '  web: { backends: [ { address: 127.0.0.1:9002 } ] }',
    ),
  );
  assertError(errors, 'listeners[0].routes[0].service', '6:18', "unknown service 'apii' (did you mean 'api'?)");
  assertError(errors, 'listeners[0].routes[0].middlewares[0]', '7:23', "unknown middleware 'limit'");
  assert.equal(errors.length, 2);
});

test('duplicate listener names and addresses are refused', () => {
  const errors = expectErrors(
    yaml(
      'listeners:',
      '  - { name: web, address: 0.0.0.0:8080, routes: [ { service: api } ] }',
      '  - { name: web, address: 127.0.0.1:8080, routes: [ { service: api } ] }',
      '  - { name: other, address: 127.0.0.1:0, routes: [ { service: api } ] }',
      '  - { name: other2, address: 127.0.0.1:0, routes: [ { service: api } ] }',
      'services:',
      '  api: { backends: [ { address: 127.0.0.1:9001 } ] }',
    ),
  );
  assertError(errors, 'listeners[1].name', '3:13', "duplicate listener name 'web' (also listeners[0])");
  assertError(errors, 'listeners[1].address', '3:27', 'overlaps listeners[0]');
  assert.equal(errors.length, 2, 'port 0 (ephemeral) never clashes');
});

test('a route after a catch-all is unreachable', () => {
  const errors = expectErrors(
    yaml(
      'listeners:',
      '  - name: web',
      '    address: 127.0.0.1:0',
      '    routes:',
      '      - service: api',
      '      - match: { host: api.example.com }',
      '        service: api',
      'services:',
      '  api: { backends: [ { address: 127.0.0.1:9001 } ] }',
    ),
  );
  assertError(errors, 'listeners[0].routes[1]', '6:9', 'unreachable: routes[0] has no match');
});

test('listener shape: http needs routes, tcp needs a service, tls belongs to https', () => {
  const errors = expectErrors(
    yaml(
      'listeners:',
      '  - { name: a, address: 127.0.0.1:0 }',
      '  - { name: b, address: 127.0.0.1:0, routes: [] }',
      '  - { name: c, address: 127.0.0.1:0, protocol: tcp, service: api }',
      '  - { name: d, address: 127.0.0.1:0, protocol: tcp, routes: [ { service: api } ] }',
      '  - name: e',
      '    address: 127.0.0.1:0',
      '    tls: { certificates: [ { cert: a.pem, key: a.key } ] }',
      '    routes: [ { service: api } ]',
      '  - { name: f, address: 127.0.0.1:0, protocol: htp, routes: [ { service: api } ] }',
      'services:',
      '  api: { backends: [ { address: 127.0.0.1:9001 } ] }',
    ),
  );
  assertError(errors, 'listeners[0]', '2:5', "an http listener needs 'routes'");
  assertError(errors, 'listeners[1].routes', '3:46', 'at least one route');
  assertError(errors, 'listeners[3]', '5:5', "a tcp listener needs 'service'");
  assertError(errors, 'listeners[3].routes', '5:61', 'a tcp listener has no routes');
  assertError(errors, 'listeners[4].tls', '8:10', "'tls' is for https listeners (this one is http)");
  assertError(errors, 'listeners[5].protocol', '10:48', 'got "htp" (did you mean \'http\'?)');
});

test('route matchers are validated', () => {
  const errors = expectErrors(
    yaml(
      'listeners:',
      '  - name: web',
      '    address: 127.0.0.1:0',
      '    routes:',
      '      - match:',
      '          pathRegex: "(unclosed"',
      '          clientIp: [10.0.0.0/8, 10.0.0.0/40]',
      '          host: [ok.example.com, 5]',
      '          headers: { X-A: { regx: a } }',
      '          path: relative',
      '        service: api',
      'services:',
      '  api: { backends: [ { address: 127.0.0.1:9001 } ] }',
    ),
  );
  const at = 'listeners[0].routes[0].match';
  assertError(errors, `${at}.pathRegex`, '6:22', 'invalid regular expression "(unclosed"');
  assertError(errors, `${at}.clientIp[1]`, '7:34', 'expected a CIDR like "10.0.0.0/8"');
  assertError(errors, `${at}.host[1]`, '8:34', 'expected a string, got 5');
  assertError(errors, `${at}.headers.X-A`, '9:27', 'expected a string (exact match), { regex: "..." } or { present: true|false }');
  assertError(errors, `${at}.path`, '10:17', 'expected a path starting with "/"');
});

test('service checks: backends, algorithm, hashKey, duplicates, middleware kinds', () => {
  const errors = expectErrors(
    yaml(
      'listeners:',
      '  - { name: web, address: 127.0.0.1:0, routes: [ { service: api } ] }',
      'services:',
      '  api:',
      '    algorithm: roundrobin',
      '    hashKey: ip',
      '    backends:',
      '      - { address: 127.0.0.1:9001 }',
      '      - { address: 127.0.0.1:9001, weight: -1 }',
      '  empty: { backends: [] }',
      'middlewares:',
      '  limit: { rateLimit: { rate: 100/s, burst: 0 } }',
    ),
  );
  assertError(errors, 'services.api.algorithm', '5:16', 'got "roundrobin" (did you mean \'round-robin\'?)');
  assertError(errors, 'services.api.hashKey', '6:14', 'expected client-ip, header:NAME, cookie:NAME, query:NAME or path, got "ip"');
  assertError(errors, 'services.api.backends[1].address', '9:20', 'duplicate backend 127.0.0.1:9001 (also backends[0])');
  assertError(errors, 'services.api.backends[1].weight', '9:44', 'expected a whole number ≥ 0, got -1');
  assertError(errors, 'services.empty.backends', '10:22', 'a service needs at least one backend');
  assertError(errors, 'middlewares.limit.rateLimit.burst', '12:45', 'expected a whole number ≥ 1, got 0');
});

test('YAML syntax errors carry a position', () => {
  const errors = expectErrors(yaml('listeners:', '  - name: web', '    address: [127.0.0.1:0', 'services: {}'));
  assert.equal(errors.length, 1);
  const [syntax] = errors as [ConfigError];
  assert.equal(syntax.path, '');
  assert.match(syntax.message, /^YAML syntax error: /);
  assert.equal(`${syntax.line}:${syntax.column}`, '4:1');
  assert.match(formatConfigError(syntax), /^test\.yaml:4:1 YAML syntax error: /);

  const duplicate = expectErrors(yaml('listeners: []', 'listeners: []'));
  assertError(duplicate, '', '2:1', 'Map keys must be unique');
});

test('every error is reported at once, sorted by position', () => {
  const errors = expectErrors(
    yaml(
      'listeners:',
      '  - name: web',
      '    address: 127.0.0.1',
      '    timeouts: { header: soon }',
      '    routes: [ { service: nope } ]',
      'services:',
      '  api: { algorithm: fastest, backends: [ { address: 127.0.0.1:9001 } ] }',
      'extra: true',
    ),
  );
  assert.deepEqual(
    errors.map((e) => `${e.line}:${e.column} ${e.path}`),
    ['3:14 listeners[0].address', '4:25 listeners[0].timeouts.header', '5:26 listeners[0].routes[0].service', '7:21 services.api.algorithm', '8:1 extra'],
  );
});

test('an empty document, a non-object and a missing file are errors, not exceptions', async () => {
  assertError(expectErrors(''), '', '1:1', 'the configuration is empty');
  assertError(expectErrors('- a\n- b\n'), '', '1:1', 'expected an object, got a list');
  const missing = await loadConfigFile('/nonexistent/fulcrum.yaml');
  assert.equal(missing.ok, false);
  assert.match(missing.ok ? '' : missing.errors[0]!.message, /file not found/);
  assert.equal(parseConfigText('listeners: [', 'x.yaml').ok, false);
});

test('an https listener needs tls, and an empty admin token is refused', () => {
  const errors = expectErrors(
    yaml(
      'admin: { token: "" }',
      'listeners:',
      '  - { name: web, address: 127.0.0.1:0, protocol: https, routes: [ { service: api } ] }',
      'services:',
      '  api: { backends: [ { address: 127.0.0.1:9001 } ] }',
    ),
  );
  assertError(errors, 'admin.token', '1:17', 'expected at least 1 character(s)');
  assertError(errors, 'listeners[0]', '3:5', "an https listener needs 'tls'");
});

test('an invalid IPv4 literal is refused at its position', () => {
  const errors = expectErrors(
    yaml(
      'listeners:',
      '  - name: web',
      '    address: 127.0.0.1:0',
      '    routes: [ { service: api } ]',
      'services:',
      '  api: { backends: [ { address: 300.1.1.1:80 }, { address: 01.2.3.4:80 } ] }',
    ),
  );
  assert.deepEqual(
    errors.map((e) => `${e.line}:${e.column} ${e.path}`),
    ['6:33 services.api.backends[0].address', '6:60 services.api.backends[1].address'],
  );
  assert.match(errors[0]!.message, /"300\.1\.1\.1" is not a valid IPv4 address/);
});
