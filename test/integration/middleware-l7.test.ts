// Rate limits, access control, header rules, rewrites and redirects through a running Fulcrum.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Fulcrum } from '../../src/fulcrum.js';
import { echoHandler, startHttpBackend, type HttpBackend } from '../helpers/http-backend.js';
import { portOf, startFulcrum, yaml } from '../helpers/fulcrum.js';
import { request } from '../helpers/http-get.js';
import { RawClient } from '../helpers/raw-client.js';

describe('middlewares: limits, access, headers, rewrites, redirects', () => {
  let backend: HttpBackend;
  let fulcrum: Fulcrum;
  let port: number;

  before(async () => {
    const echo = echoHandler('b');
    backend = await startHttpBackend((req, res, recorded) => {
      if (req.url === '/with-headers') {
        res.writeHead(200, { 'content-type': 'text/plain', 'x-powered-by': 'php', 'x-keep': 'yes', 'content-length': '2' });
        res.end('ok');
        return;
      }
      echo(req, res, recorded);
    });
    fulcrum = await startFulcrum(yaml`
      listeners:
        - name: web
          address: 127.0.0.1:0
          routes:
            - { match: { pathPrefix: /limited }, middlewares: [limit], service: api }
            - { match: { pathPrefix: /by-key }, middlewares: [by-key], service: api }
            - { match: { pathPrefix: /conns }, middlewares: [conns], service: api }
            - { match: { pathPrefix: /office }, middlewares: [office], service: api }
            - { match: { pathPrefix: /local }, middlewares: [local-only], service: api }
            - { match: { pathPrefix: /blocked }, middlewares: [block-loopback], service: api }
            - { match: { pathPrefix: /waf }, middlewares: [waf], service: api }
            - { match: { pathPrefix: /hdr }, middlewares: [hdr], service: api }
            - { match: { pathPrefix: /with-headers }, middlewares: [hdr], service: api }
            - { match: { pathPrefix: /api/ }, middlewares: [strip], service: api }
            - { match: { pathPrefix: /v1/ }, middlewares: [re], service: api }
            - { match: { pathPrefix: /r301 }, middlewares: [r301], service: api }
            - { match: { pathPrefix: /r302 }, middlewares: [r302], service: api }
            - { match: { pathPrefix: /r307 }, middlewares: [r307], service: api }
            - { match: { pathPrefix: /r308 }, middlewares: [r308], service: api }
            - { match: { pathPrefix: /to }, middlewares: [to], service: api }
            - service: api
        - name: proxied
          address: 127.0.0.1:0
          trustedProxies: [127.0.0.1]
          routes:
            - { middlewares: [office], service: api }
      services:
        api:
          backends: [ { address: ${backend.address} } ]
      middlewares:
        limit: { rateLimit: { rate: 1/m, burst: 3 } }
        by-key: { rateLimit: { rate: 1/m, burst: 1, key: "header:X-Api-Key" } }
        conns: { rateLimit: { maxConnectionsPerClient: 2 } }
        office: { ipAllow: [10.0.0.0/8] }
        local-only: { access: { allow: [127.0.0.0/8], deny: [10.0.0.1] } }
        block-loopback: { ipDeny: [127.0.0.1] }
        waf: { deny: { path: "\\\\.\\\\./|/etc/passwd", query: "union.*select", headers: { User-Agent: sqlmap } } }
        hdr:
          headers:
            request: { set: { X-Env: test }, add: { X-Added: one }, remove: [X-Secret] }
            response: { set: { X-Frame-Options: DENY }, add: { X-Extra: "1" }, remove: [X-Powered-By] }
        strip: { rewrite: { stripPrefix: /api } }
        re: { rewrite: { regex: "^/v1/users/(\\\\d+)$", replacement: "/users?id=$1" } }
        r301: { redirect: { status: 301, scheme: https } }
        r302: { redirect: { status: 302, host: example.com } }
        r307: { redirect: { status: 307, path: "/new{path}" } }
        r308: { redirect: { status: 308, port: 8443, scheme: https } }
        to: { redirect: { to: "https://elsewhere.example/x{path}", status: 301 } }
    `);
    port = portOf(fulcrum);
  });

  after(async () => {
    await fulcrum?.close();
    await backend?.close();
  });

  const lastSeen = () => backend.requests[backend.requests.length - 1]!;

  test('rate limit: the burst passes with RateLimit fields, then 429 with Retry-After, counted on the route', async () => {
    const before = backend.requests.length;
    for (let i = 0; i < 3; i++) {
      const ok = await request(port, '/limited');
      assert.equal(ok.status, 200);
      assert.equal(ok.headers['ratelimit-limit'], '3');
      assert.equal(ok.headers['ratelimit-remaining'], String(2 - i));
    }
    const refused = await request(port, '/limited');
    assert.equal(refused.status, 429);
    assert.ok(Number(refused.headers['retry-after']) >= 50, `Retry-After ${refused.headers['retry-after']}`);
    assert.equal(refused.headers['ratelimit-limit'], '3');
    assert.equal(refused.headers['ratelimit-remaining'], '0');
    assert.ok(Number(refused.headers['ratelimit-reset']) > 0);
    assert.equal(backend.requests.length, before + 3, 'the refused request never reached the backend');
    const stats = [...fulcrum.observers.stats.routes.values()].find((s) => s.route === '0')!;
    assert.equal(stats.rateLimited, 1);
    const metrics = await fulcrum.metrics();
    assert.match(metrics, /fulcrum_rate_limited_requests_total\{[^}]*route="0"[^}]*\} 1/);
  });

  test('rate limit by header: each key has its own bucket', async () => {
    assert.equal((await request(port, '/by-key', { 'x-api-key': 'a' })).status, 200);
    assert.equal((await request(port, '/by-key', { 'x-api-key': 'a' })).status, 429);
    assert.equal((await request(port, '/by-key', { 'x-api-key': 'b' })).status, 200);
  });

  test('per-client connection cap: the third open connection gets 429 and is closed; a freed slot is reusable', async () => {
    const clients = await Promise.all([RawClient.connect(port), RawClient.connect(port), RawClient.connect(port)]);
    const ask = 'GET /conns HTTP/1.1\r\nHost: x\r\n\r\n';
    await clients[0]!.write(ask);
    assert.equal((await clients[0]!.response()).status, 200);
    await clients[1]!.write(ask);
    assert.equal((await clients[1]!.response()).status, 200);
    await clients[2]!.write(ask);
    const third = await clients[2]!.response();
    assert.equal(third.status, 429);
    assert.equal(third.headers['retry-after'], '1');
    assert.equal(await clients[2]!.closesWithin(2000), true);
    // the first two keep working on their connections
    await clients[0]!.write(ask);
    assert.equal((await clients[0]!.response()).status, 200);
    clients[0]!.close();
    await clients[0]!.closesWithin(1000);
    // a slot freed by a close: a new connection is accepted (the close is seen asynchronously)
    let status = 0;
    for (let attempt = 0; attempt < 50 && status !== 200; attempt++) {
      const fresh = await RawClient.connect(port);
      await fresh.write(ask);
      status = (await fresh.response()).status;
      fresh.close();
      if (status !== 200) await new Promise((r) => setImmediate(r));
    }
    assert.equal(status, 200);
    clients[1]!.close();
  });

  test('IP allow and deny lists: 403 without touching the backend', async () => {
    const before = backend.requests.length;
    assert.equal((await request(port, '/office')).status, 403);
    assert.equal((await request(port, '/blocked')).status, 403);
    assert.equal(backend.requests.length, before);
    assert.equal((await request(port, '/local')).status, 200);
  });

  test('behind a trusted proxy the allow list sees the forwarded client', async () => {
    const proxied = portOf(fulcrum, 'proxied');
    assert.equal((await request(proxied, '/', { 'x-forwarded-for': '10.1.2.3' })).status, 200);
    assert.equal((await request(proxied, '/', { 'x-forwarded-for': '192.0.2.7' })).status, 403);
  });

  test('deny rules on path (encoded too), query and headers answer 403', async () => {
    assert.equal((await request(port, '/waf/ok')).status, 200);
    assert.equal((await request(port, '/waf/x/etc/passwd')).status, 403);
    assert.equal((await request(port, '/waf/%2e%2e/secret')).status, 403);
    assert.equal((await request(port, '/waf/a?id=1%20UNION%20select')).status, 200, 'the regex is case-sensitive');
    assert.equal((await request(port, '/waf/a?id=1%20union%20select')).status, 403);
    assert.equal((await request(port, '/waf/a', { 'user-agent': 'sqlmap/1.7' })).status, 403);
  });

  test('header rules: request fields set, added and removed before the backend; response fields too', async () => {
    const got = await request(port, '/hdr', { 'x-env': 'prod', 'x-added': 'zero', 'x-secret': 's3cret' });
    assert.equal(got.status, 200);
    const seen = lastSeen();
    assert.equal(seen.headers['x-env'], 'test');
    assert.equal(seen.headers['x-added'], 'zero, one');
    assert.equal(seen.headers['x-secret'], undefined);
    assert.equal(got.headers['x-frame-options'], 'DENY');
    assert.equal(got.headers['x-extra'], '1');
    const withHeaders = await request(port, '/with-headers');
    assert.equal(withHeaders.headers['x-powered-by'], undefined);
    assert.equal(withHeaders.headers['x-keep'], 'yes');
    assert.equal(withHeaders.headers['x-frame-options'], 'DENY');
  });

  test('rewrite: stripPrefix and regex replace change what the backend receives, query kept', async () => {
    await request(port, '/api/users/7?x=1');
    assert.equal(lastSeen().url, '/users/7?x=1');
    await request(port, '/api/');
    assert.equal(lastSeen().url, '/');
    await request(port, '/v1/users/42');
    assert.equal(lastSeen().url, '/users?id=42');
  });

  test('redirects: 301, 302, 307, 308 with a Location keeping the query', async () => {
    const host = `127.0.0.1:${port}`;
    const cases: Array<[string, number, string]> = [
      ['/r301/a?q=1&b=2', 301, `https://127.0.0.1/r301/a?q=1&b=2`],
      ['/r302/a?q=1', 302, `http://example.com:${port}/r302/a?q=1`],
      ['/r307/a?q=1', 307, `http://${host}/new/r307/a?q=1`],
      ['/r308/a?q=1', 308, `https://127.0.0.1:8443/r308/a?q=1`],
      ['/to/b?z=9', 301, 'https://elsewhere.example/x/to/b?z=9'],
    ];
    const before = backend.requests.length;
    for (const [path, status, location] of cases) {
      const got = await request(port, path);
      assert.equal(got.status, status, path);
      assert.equal(got.headers.location, location, path);
    }
    assert.equal(backend.requests.length, before);
  });

  test('a redirected POST with a body closes the connection; a bodiless one keeps it', async () => {
    const client = await RawClient.connect(port);
    await client.write('GET /r307/x HTTP/1.1\r\nHost: a\r\n\r\nGET /r302/y HTTP/1.1\r\nHost: a\r\n\r\n');
    assert.equal((await client.response()).status, 307);
    assert.equal((await client.response()).status, 302);
    await client.write('POST /r307/x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello');
    const posted = await client.response();
    assert.equal(posted.status, 307);
    assert.equal(posted.headers.connection, 'close');
    assert.equal(await client.closesWithin(2000), true);
  });
});
