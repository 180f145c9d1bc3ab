// Routing end to end: every matcher, first match wins, no match → 404. Each route's
// service has a backend of its own that names itself in the response.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Fulcrum } from '../../src/fulcrum.js';
import { echoHandler, startHttpBackend, type HttpBackend } from '../helpers/http-backend.js';
import { rawRequest } from '../helpers/raw-client.js';
import { portOf, startFulcrum, yaml } from '../helpers/fulcrum.js';

const NAMES = ['exact', 'wild', 'path', 'prefix', 'regex', 'method', 'header', 'headerRegex', 'query', 'cookie', 'otherNet', 'loopback', 'first', 'second', 'combined'];

describe('routing', () => {
  const backends = new Map<string, HttpBackend>();
  let fulcrum: Fulcrum;
  let port: number;

  before(async () => {
    for (const name of NAMES) backends.set(name, await startHttpBackend(echoHandler(name)));
    const services = NAMES.map((name) => `  ${name}:\n    backends: [ { address: ${backends.get(name)!.address} } ]`).join('\n');
    fulcrum = await startFulcrum(
      yaml`
        listeners:
          - name: web
            address: 127.0.0.1:0
            routes:
              - { match: { host: api.example.com }, service: exact }
              - { match: { host: '*.example.com' }, service: wild }
              - { match: { path: /exact }, service: path }
              - { match: { pathPrefix: /prefix/ }, service: prefix }
              - { match: { pathRegex: '^/items/[0-9]+$' }, service: regex }
              - { match: { method: [DELETE, PATCH] }, service: method }
              - { match: { headers: { X-Version: v2 } }, service: header }
              - { match: { headers: { X-Client: { regex: '^mobile-' } } }, service: headerRegex }
              - { match: { query: { debug: '1' } }, service: query }
              - { match: { cookie: { session: { present: true } } }, service: cookie }
              - { match: { clientIp: [ 10.0.0.0/8 ], pathPrefix: /ip }, service: otherNet }
              - { match: { clientIp: [ 127.0.0.0/8 ], pathPrefix: /ip }, service: loopback }
              - { match: { pathPrefix: /first/ }, service: first }
              - { match: { path: /first/x }, service: second }
              - { match: { host: combo.test, pathPrefix: /c/, method: POST }, service: combined }
        services:
      ` +
        services +
        '\n',
    );
    port = portOf(fulcrum);
  });

  after(async () => {
    await fulcrum?.close();
    for (const backend of backends.values()) await backend.close();
  });

  /** Which backend answered: the first word of the echo body, or the status when Fulcrum answered. */
  async function route(method: string, target: string, host: string, extra = ''): Promise<string> {
    const body = method === 'POST' ? 'Content-Length: 0\r\n' : '';
    const response = await rawRequest(port, `${method} ${target} HTTP/1.1\r\nHost: ${host}\r\n${body}${extra}\r\n`, { closeWaitMs: 0, method });
    if (response.status !== 200) return String(response.status);
    return response.body.toString().split(' ')[0]!;
  }

  const CASES: Array<[string, string, string, string, string]> = [
    // [what, method, target, host, extra fields] → expected below
    ['exact host', 'GET', '/', 'api.example.com', ''],
    ['exact host, any case, with a port', 'GET', '/', 'API.Example.COM:8080', ''],
    ['wildcard host', 'GET', '/', 'www.example.com', ''],
    ['wildcard host, two labels deep', 'GET', '/', 'a.b.example.com', ''],
    ['bare domain is not *.example.com', 'GET', '/', 'example.com', ''],
    ['suffix without a dot is not *.example.com', 'GET', '/', 'badexample.com', ''],
    ['path', 'GET', '/exact', 'h.test', ''],
    ['path ignores the query', 'GET', '/exact?x=1', 'h.test', ''],
    ['path is exact', 'GET', '/exact/more', 'h.test', ''],
    ['pathPrefix', 'GET', '/prefix/a/b', 'h.test', ''],
    ['pathPrefix needs its slash', 'GET', '/prefix', 'h.test', ''],
    ['pathRegex', 'GET', '/items/42', 'h.test', ''],
    ['pathRegex anchored', 'GET', '/items/42x', 'h.test', ''],
    ['method', 'DELETE', '/anything', 'h.test', ''],
    ['method (second of the list)', 'PATCH', '/anything', 'h.test', ''],
    ['header exact', 'GET', '/h', 'h.test', 'X-Version: v2\r\n'],
    ['header exact, other value', 'GET', '/h', 'h.test', 'X-Version: v1\r\n'],
    ['header regex', 'GET', '/h', 'h.test', 'X-Client: mobile-ios\r\n'],
    ['query', 'GET', '/q?a=2&debug=1', 'h.test', ''],
    ['query, other value', 'GET', '/q?debug=0', 'h.test', ''],
    ['cookie present', 'GET', '/c', 'h.test', 'Cookie: theme=dark; session=abc\r\n'],
    ['cookie absent', 'GET', '/c', 'h.test', 'Cookie: theme=dark\r\n'],
    ['clientIp', 'GET', '/ip', 'h.test', ''],
    ['first match wins', 'GET', '/first/x', 'h.test', ''],
    ['all conditions of a route', 'POST', '/c/1', 'combo.test', ''],
    ['one condition of a route missing', 'GET', '/c/1', 'combo.test', ''],
    ['no match', 'GET', '/nowhere', 'h.test', ''],
  ];
  const EXPECTED = [
    'exact',
    'exact',
    'wild',
    'wild',
    '404',
    '404',
    'path',
    'path',
    '404',
    'prefix',
    '404',
    'regex',
    '404',
    'method',
    'method',
    'header',
    '404',
    'headerRegex',
    'query',
    '404',
    'cookie',
    '404',
    'loopback',
    'first',
    'combined',
    '404',
    '404',
  ];

  CASES.forEach(([what, method, target, host, extra], i) => {
    test(`${what}: ${method} ${host}${target} → ${EXPECTED[i]}`, async () => {
      assert.equal(await route(method, target, host, extra), EXPECTED[i]);
    });
  });

  test('no match → 404 from Fulcrum, and the connection stays usable', async () => {
    const response = await rawRequest(port, 'GET /nowhere HTTP/1.1\r\nHost: h.test\r\n\r\n', { closeWaitMs: 300 });
    assert.equal(response.status, 404);
    assert.equal(response.closed, false);
    for (const backend of backends.values()) {
      assert.ok(!backend.requests.some((r) => r.url === '/nowhere'), 'no backend saw the unmatched request');
    }
  });

  test('no match for a request with a body → 404 and close (the body is not read)', async () => {
    const response = await rawRequest(port, 'PUT /nowhere HTTP/1.1\r\nHost: h.test\r\nContent-Length: 5\r\n\r\nhello');
    assert.equal(response.status, 404);
    assert.equal(response.closed, true);
  });
});
