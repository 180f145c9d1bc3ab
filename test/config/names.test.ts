// Optional names on routes and backends: validated like every other field (charset, unique in their
// listener or service), positioned errors, and kept on the parsed config.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertError, expectErrors, expectValid, listenerAt, yaml } from './helpers.js';

test('routes and backends may have names; they reach the parsed config', () => {
  const config = expectValid(
    yaml(
      'listeners:',
      '  - name: web',
      '    address: 127.0.0.1:0',
      '    routes:',
      '      - { name: api, match: { pathPrefix: /api/ }, service: api }',
      '      - { service: api }',
      'services:',
      '  api:',
      '    backends: [ { name: alpha, address: 127.0.0.1:9001 }, { address: 127.0.0.1:9002 } ]',
    ),
  );
  const routes = listenerAt(config, 0, 'http').routes;
  assert.deepEqual(
    routes.map((r) => r.name),
    ['api', undefined],
  );
  assert.deepEqual(
    config.services.get('api')!.backends.map((b) => b.name),
    ['alpha', undefined],
  );
});

test('a name used twice in one service or one listener is an error at the second, naming the first', () => {
  const errors = expectErrors(
    yaml(
      'listeners:',
      '  - name: web',
      '    address: 127.0.0.1:0',
      '    routes:',
      '      - { name: api, match: { pathPrefix: /a/ }, service: api }',
      '      - { name: api, service: api }',
      'services:',
      '  api:',
      '    backends:',
      '      - { name: alpha, address: 127.0.0.1:9001 }',
      '      - { name: alpha, address: 127.0.0.1:9002 }',
      '  other:', // the same name in another service is fine
      '    backends: [ { name: alpha, address: 127.0.0.1:9003 } ]',
    ),
  );
  assertError(errors, 'listeners[0].routes[1].name', '6:17', "duplicate route name 'api' (also routes[0])");
  assertError(errors, 'services.api.backends[1].name', '11:17', "duplicate backend name 'alpha' (also backends[0])");
  assert.equal(errors.length, 2, errors.map((e) => e.message).join('\n'));
});

test('a name outside the charset is refused where it is written', () => {
  const errors = expectErrors(
    yaml(
      'listeners:',
      '  - name: web',
      '    address: 127.0.0.1:0',
      '    routes: [ { name: "my route", service: api } ]',
      'services:',
      '  api:',
      '    backends: [ { name: "10.0.0.1:80", address: 127.0.0.1:9001 }, { name: -x, address: 127.0.0.1:9002 } ]',
    ),
  );
  const charset = 'expected a name of letters, digits, "-", "_" or "." (starting with a letter or digit)';
  assertError(errors, 'listeners[0].routes[0].name', '4:23', charset);
  assertError(errors, 'services.api.backends[0].name', '7:25', charset); // a ':' would read as an address
  assertError(errors, 'services.api.backends[1].name', '7:75', charset);
  assert.equal(errors.length, 3);
});
