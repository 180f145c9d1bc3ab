import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { assertError, expectErrors, expectValid, listenerAt, yaml } from './helpers.js';

const withMiddlewares = (...lines: string[]) =>
  yaml(
    'listeners:',
    '  - name: web',
    '    address: 127.0.0.1:0',
    '    routes:',
    '      - service: api',
    'services:',
    '  api:',
    '    backends: [ { address: 127.0.0.1:9001 } ]',
    'middlewares:',
    ...lines,
  );

test('every kind parses with its defaults', () => {
  const config = expectValid(
    withMiddlewares(
      '  limit: { rateLimit: { rate: 100/s, burst: 50, key: client-ip } }',
      '  slow: { rateLimit: { rate: 600/m, key: "header:X-Api-Key", maxConnectionsPerClient: 4 } }',
      '  gz: { compress: {} }',
      '  hdr: { headers: { request: { set: { X-A: 1 }, remove: [Cookie] }, response: { add: { X-B: two } } } }',
      '  strip: { rewrite: { stripPrefix: /api } }',
      '  re: { rewrite: { regex: "^/v1/(.*)", replacement: "/$1" } }',
      '  moved: { redirect: { host: example.com, scheme: https, status: 308 } }',
      '  to: { redirect: { to: "https://{host}/new{path}" } }',
      '  files: { static: { root: www, maxAge: 1h, immutable: true } }',
      '  office: { ipAllow: [10.0.0.0/8, "::1"] }',
      '  bad: { ipDeny: [192.0.2.1] }',
      '  acl: { access: { allow: [10.0.0.0/8], deny: [10.0.0.1] } }',
      '  waf: { deny: { path: "\\\\.php$", headers: { User-Agent: [sqlmap, nikto] } } }',
    ),
  );
  const m = config.middlewares;
  assert.deepEqual(m.get('limit'), { name: 'limit', kind: 'rateLimit', settings: { rate: 100, burst: 50, key: 'client-ip', maxConnectionsPerClient: 0 } });
  assert.deepEqual(m.get('slow')!.settings, { rate: 10, burst: 10, key: 'header:x-api-key', maxConnectionsPerClient: 4 });
  const gz = m.get('gz')!;
  assert.equal(gz.kind, 'compress');
  if (gz.kind === 'compress') {
    assert.deepEqual(gz.settings.algorithms, ['br', 'gzip']);
    assert.equal(gz.settings.minSize, 1024);
    assert.equal(gz.settings.brotliQuality, 4);
    assert.equal(gz.settings.gzipLevel, 5);
    assert.ok(gz.settings.types.includes('application/json'));
  }
  assert.deepEqual(m.get('hdr')!.settings, {
    request: { set: [['X-A', '1']], add: [], remove: ['Cookie'] },
    response: { set: [], add: [['X-B', 'two']], remove: [] },
  });
  assert.deepEqual(m.get('strip')!.settings, { stripPrefix: '/api' });
  assert.deepEqual(m.get('moved')!.settings, { status: 308, scheme: 'https', host: 'example.com', keepQuery: true });
  assert.deepEqual(m.get('to')!.settings, { status: 302, to: 'https://{host}/new{path}', keepQuery: true });
  assert.deepEqual(m.get('files')!.settings, { root: resolve('www'), index: ['index.html'], maxAge: 3_600_000, immutable: true });
  assert.deepEqual(m.get('office'), { name: 'office', kind: 'access', settings: { allow: ['10.0.0.0/8', '::1'], deny: [] } });
  assert.deepEqual(m.get('bad')!.settings, { allow: [], deny: ['192.0.2.1'] });
  assert.deepEqual(m.get('waf')!.settings, { path: ['\\.php$'], query: [], headers: { 'user-agent': ['sqlmap', 'nikto'] }, status: 403 });
});

test('a route carries its resolved chain, in its order', () => {
  const config = expectValid(
    yaml(
      'listeners:',
      '  - name: web',
      '    address: 127.0.0.1:0',
      '    routes:',
      '      - { match: { pathPrefix: /a }, middlewares: [gz, limit], service: api }',
      '      - service: api',
      'services:',
      '  api: { backends: [ { address: 127.0.0.1:9001 } ] }',
      'middlewares:',
      '  limit: { rateLimit: { rate: 5/s } }',
      '  gz: { compress: { algorithms: [gzip] } }',
    ),
  );
  const [first, second] = listenerAt(config, 0, 'http').routes;
  assert.deepEqual(
    first!.chain!.map((m) => m.name),
    ['gz', 'limit'],
  );
  assert.equal(second!.chain, undefined);
});

test('one kind per middleware; none is an error too', () => {
  const errors = expectErrors(withMiddlewares('  two: { rateLimit: { rate: 1/s }, compress: {} }', '  none: {}'));
  assertError(errors, 'middlewares.two.compress', '10:46', "one kind per middleware: this one is already 'rateLimit'");
  assertError(errors, 'middlewares.none', '11:9', 'expected one middleware kind');
});

test('per-kind values are checked where written', () => {
  const errors = expectErrors(
    withMiddlewares(
      '  a: { rateLimit: { rate: fast } }',
      '  b: { compress: { brotliQuality: 11 } }',
      '  c: { headers: { response: { set: { Content-Length: "5" } } } }',
      '  d: { redirect: { to: "https://x/", host: y.com } }',
      '  e: { redirect: { status: 303, host: y.com } }',
      '  f: { ipAllow: [not-an-ip] }',
      '  g: { deny: { path: "(" } }',
      '  h: { rateLimit: { burst: 5 } }',
      '  i: { compress: { level: 5 } }',
    ),
  );
  assertError(errors, 'middlewares.a.rateLimit.rate', '10:27', 'expected a rate like "100/s"');
  assertError(errors, 'middlewares.b.compress.brotliQuality', '11:35', 'quality 4 or 5');
  assertError(errors, 'middlewares.c.headers.response.set.Content-Length', '12:54', 'cannot be changed by a rule');
  assertError(errors, 'middlewares.d.redirect.to', '13:24', "'to' is a whole URL template");
  assertError(errors, 'middlewares.e.redirect.status', '14:28', 'expected 301, 302, 307 or 308');
  assertError(errors, 'middlewares.f.ipAllow[0]', '15:18', 'expected a CIDR');
  assertError(errors, 'middlewares.g.deny.path', '16:22', 'invalid regular expression');
  assertError(errors, 'middlewares.h.rateLimit', '17:19', "needs 'rate'");
  assertError(errors, 'middlewares.i.compress.level', '18:20', "unknown key 'level'");
});

test('a route naming an unknown middleware is refused with a suggestion', () => {
  const errors = expectErrors(
    yaml(
      'listeners:',
      '  - name: web',
      '    address: 127.0.0.1:0',
      '    routes:',
      '      - { middlewares: [limt], service: api }',
      'services:',
      '  api: { backends: [ { address: 127.0.0.1:9001 } ] }',
      'middlewares:',
      '  limit: { rateLimit: { rate: 5/s } }',
    ),
  );
  assertError(errors, 'listeners[0].routes[0].middlewares[0]', '5:25', "unknown middleware 'limt'");
});
