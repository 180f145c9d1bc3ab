import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Router } from '../../src/http/router.js';
import { parseRequestHead } from '../../src/http/h1/request-head.js';
import type { HttpLimits, RouteConfig } from '../../src/config/types.js';

const limits: HttpLimits = { maxHeaderBytes: 16384, maxUriLength: 8192, maxHeaders: 100, maxBodyBytes: 0 };

function request(lines: string[]) {
  const text = lines.join('\r\n');
  return parseRequestHead(text, text.length, limits);
}

function route(match: RouteConfig['match'], service: string): RouteConfig {
  return { match, service, middlewares: [] };
}

const routes: RouteConfig[] = [
  route({ host: ['api.example.com'], pathPrefix: '/v1/' }, 'api-v1'),
  route({ host: ['*.example.com'], path: '/exact' }, 'wild-exact'),
  route({ pathRegex: '^/img/[0-9]+\\.png$' }, 'images'),
  route({ method: ['POST', 'PUT'], pathPrefix: '/upload' }, 'uploads'),
  route({ headers: { 'x-canary': { exact: 'yes' } } }, 'canary'),
  route({ headers: { 'x-debug': { present: true } } }, 'debug'),
  route({ query: { version: { regex: '^2' } } }, 'v2'),
  route({ cookie: { beta: { exact: '1' } } }, 'beta'),
  route({ clientIp: ['10.0.0.0/8', '2001:db8::/32'] }, 'internal'),
  route({}, 'default'),
];
const router = new Router(routes, (r) => r.service);

function pick(lines: string[], clientIp = '192.0.2.1'): string | undefined {
  return router.match(request(lines), clientIp)?.target;
}

test('host exact with path prefix; the port of Host is ignored', () => {
  assert.equal(pick(['GET /v1/users HTTP/1.1', 'Host: api.example.com']), 'api-v1');
  assert.equal(pick(['GET /v1/users HTTP/1.1', 'Host: API.example.com:8080']), 'api-v1');
  assert.equal(pick(['GET /v2/users HTTP/1.1', 'Host: api.example.com']), 'default');
});

test('wildcard host matches subdomains only, with the exact path', () => {
  assert.equal(pick(['GET /exact HTTP/1.1', 'Host: a.example.com']), 'wild-exact');
  assert.equal(pick(['GET /exact HTTP/1.1', 'Host: a.b.example.com']), 'wild-exact');
  assert.equal(pick(['GET /exact HTTP/1.1', 'Host: example.com']), 'default');
  assert.equal(pick(['GET /exact?x=1 HTTP/1.1', 'Host: a.example.com']), 'wild-exact');
  assert.equal(pick(['GET /exactly HTTP/1.1', 'Host: a.example.com']), 'default');
});

test('path regex, method', () => {
  assert.equal(pick(['GET /img/42.png HTTP/1.1', 'Host: x']), 'images');
  assert.equal(pick(['GET /img/x.png HTTP/1.1', 'Host: x']), 'default');
  assert.equal(pick(['PUT /upload/a HTTP/1.1', 'Host: x', 'Content-Length: 0']), 'uploads');
  assert.equal(pick(['GET /upload/a HTTP/1.1', 'Host: x']), 'default');
});

test('header exact and presence, case-insensitive names', () => {
  assert.equal(pick(['GET / HTTP/1.1', 'Host: x', 'X-Canary: yes']), 'canary');
  assert.equal(pick(['GET / HTTP/1.1', 'Host: x', 'X-Canary: no']), 'default');
  assert.equal(pick(['GET / HTTP/1.1', 'Host: x', 'x-debug: ']), 'debug');
});

test('query and cookie values, decoded', () => {
  assert.equal(pick(['GET /?a=1&version=2.1 HTTP/1.1', 'Host: x']), 'v2');
  assert.equal(pick(['GET /?version=%32 HTTP/1.1', 'Host: x']), 'v2');
  assert.equal(pick(['GET /?version=1 HTTP/1.1', 'Host: x']), 'default');
  assert.equal(pick(['GET / HTTP/1.1', 'Host: x', 'Cookie: a=b; beta=1']), 'beta');
  assert.equal(pick(['GET / HTTP/1.1', 'Host: x', 'Cookie: beta=10']), 'default');
});

test('client IP ranges, IPv4 and IPv6', () => {
  assert.equal(pick(['GET / HTTP/1.1', 'Host: x'], '10.1.2.3'), 'internal');
  assert.equal(pick(['GET / HTTP/1.1', 'Host: x'], '2001:db8::5'), 'internal');
  assert.equal(pick(['GET / HTTP/1.1', 'Host: x'], '11.1.2.3'), 'default');
});

test('first match wins', () => {
  // matches both the canary route and the internal route: canary comes first
  assert.equal(pick(['GET / HTTP/1.1', 'Host: x', 'X-Canary: yes'], '10.0.0.1'), 'canary');
});

test('no route at all gives undefined (the listener answers 404)', () => {
  const none = new Router([route({ path: '/only' }, 'only')], (r) => r.service);
  assert.equal(none.match(request(['GET /other HTTP/1.1', 'Host: x']), '127.0.0.1'), undefined);
});
