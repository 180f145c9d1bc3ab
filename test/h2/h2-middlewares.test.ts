// Route middlewares, sticky sessions and the circuit breaker on HTTP/2 streams (h2c with prior
// knowledge): speaking HTTP/2 must not get a client past access rules or rate limits.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import http2 from 'node:http2';
import type http from 'node:http';
import type { Fulcrum } from '../../src/fulcrum.js';
import { echoHandler, startHttpBackend, type HttpBackend } from '../helpers/http-backend.js';
import { portOf, startFulcrum, yaml } from '../helpers/fulcrum.js';

let one: HttpBackend;
let two: HttpBackend;
let held: HttpBackend;
const heldResponses: http.ServerResponse[] = [];
const heldEvents = new EventEmitter();
let fulcrum: Fulcrum;
let session: http2.ClientHttp2Session;

before(async () => {
  one = await startHttpBackend((req, res, recorded) => {
    const answer = (): void => {
      const body = JSON.stringify({ name: 'one', url: req.url, headers: req.headers, length: recorded.body.length });
      res.writeHead(200, { 'content-type': 'application/json', 'x-powered-by': 'node', 'x-backend': 'one' });
      res.end(body);
    };
    if (req.readableEnded) answer();
    else req.on('end', answer);
  });
  two = await startHttpBackend(echoHandler('two'));
  held = await startHttpBackend((_req, res) => {
    heldResponses.push(res);
    heldEvents.emit('held');
  });
  fulcrum = await startFulcrum(yaml`
    listeners:
      - name: web
        address: 127.0.0.1:0
        http2: { enabled: true }
        routes:
          - { match: { pathPrefix: /denied/ }, middlewares: [no-local], service: app }
          - { match: { pathPrefix: /waf/ }, middlewares: [waf], service: app }
          - { match: { pathPrefix: /limited/ }, middlewares: [limit], service: app }
          - { match: { pathPrefix: /old/ }, middlewares: [moved], service: app }
          - { match: { pathPrefix: /api/ }, middlewares: [strip-api, api-headers], service: app }
          - { match: { pathPrefix: /sticky/ }, service: pair }
          - { match: { pathPrefix: /held/ }, service: guarded }
          - service: app
    middlewares:
      no-local:    { ipDeny: [127.0.0.0/8, "::1"] }
      waf:         { deny: { path: ['[.]php$'] } }
      limit:       { rateLimit: { rate: 1/m, burst: 2 } }
      moved:       { redirect: { path: "/new{path}", status: 308 } }
      strip-api:   { rewrite: { stripPrefix: /api } }
      api-headers: { headers: { request: { set: { X-Env: prod } }, response: { set: { X-Frame-Options: DENY }, remove: [X-Powered-By] } } }
    services:
      app: { backends: [ { address: ${one.address} } ] }
      pair:
        backends: [ { address: ${one.address} }, { address: ${two.address} } ]
        sticky: { cookie: { name: SRV } }
      guarded:
        backends: [ { address: ${held.address} } ]
        circuitBreaker: { maxRequests: 1 }
    log: { level: silent }
  `);
  session = http2.connect(`http://127.0.0.1:${portOf(fulcrum)}`);
  session.on('error', () => {});
});

after(async () => {
  session?.close();
  await fulcrum?.close();
  for (const res of heldResponses) if (!res.writableEnded) res.end();
  await Promise.all([one?.close(), two?.close(), held?.close()]);
});

interface Reply {
  status: number;
  headers: http2.IncomingHttpHeaders;
  body: string;
}

function get(path: string, extra: http2.OutgoingHttpHeaders = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':path': path, ...extra });
    let headers: http2.IncomingHttpHeaders = {};
    let body = '';
    stream.setEncoding('utf8');
    stream.on('response', (h) => (headers = h));
    stream.on('data', (chunk: string) => (body += chunk));
    stream.on('end', () => resolve({ status: Number(headers[':status']), headers, body }));
    stream.on('error', reject);
  });
}

test('ipDeny answers 403 on an HTTP/2 stream; the backend never sees it', async () => {
  const before = one.requests.length;
  const reply = await get('/denied/x');
  assert.equal(reply.status, 403);
  assert.equal(reply.headers.connection, undefined);
  assert.equal(one.requests.length, before);
  assert.equal((await get('/open')).status, 200, 'the connection and other routes go on');
});

test('a deny rule answers 403 on h2', async () => {
  assert.equal((await get('/waf/index.php')).status, 403);
  assert.equal((await get('/waf/index.html')).status, 200);
});

test('a rate limit answers 429 with Retry-After and RateLimit fields after the burst', async () => {
  const first = await get('/limited/1');
  assert.equal(first.status, 200);
  assert.equal(first.headers['ratelimit-limit'], '2');
  assert.equal(first.headers['ratelimit-remaining'], '1');
  assert.equal((await get('/limited/2')).status, 200);
  const refused = await get('/limited/3');
  assert.equal(refused.status, 429);
  assert.ok(Number(refused.headers['retry-after']) >= 1);
  assert.equal(refused.headers['ratelimit-remaining'], '0');
});

test('a redirect answers 308 with Location on h2', async () => {
  const reply = await get('/old/page?x=1');
  assert.equal(reply.status, 308);
  assert.equal(reply.headers.location, `http://127.0.0.1:${portOf(fulcrum)}/new/old/page?x=1`);
});

test('stripPrefix and request header rules reach the backend; response header rules reach the client', async () => {
  const reply = await get('/api/users?page=2');
  assert.equal(reply.status, 200);
  const seen = JSON.parse(reply.body);
  assert.equal(seen.url, '/users?page=2');
  assert.equal(seen.headers['x-env'], 'prod');
  assert.equal(reply.headers['x-frame-options'], 'DENY');
  assert.equal(reply.headers['x-powered-by'], undefined);
});

test('sticky sessions: the cookie is set over h2, and honoured by later streams', async () => {
  const first = await get('/sticky/a');
  const setCookie = first.headers['set-cookie'];
  assert.ok(Array.isArray(setCookie) && /^SRV=[A-Za-z0-9_-]{22}; Path=\/; Max-Age=3600; HttpOnly; SameSite=Lax$/.test(setCookie[0]!), String(setCookie));
  const cookie = setCookie[0]!.split(';')[0]!;
  const servedBy = first.headers['x-backend'];
  for (let i = 0; i < 6; i++) {
    const next = await get(`/sticky/${i}`, { cookie });
    assert.equal(next.headers['x-backend'], servedBy);
    assert.equal(next.headers['set-cookie'], undefined, 'no new cookie while it holds');
  }
});

test('circuit breaker maxRequests: the stream over the limit gets 503 at once with Retry-After', async () => {
  const first = get('/held/1');
  if (heldResponses.length === 0) await once(heldEvents, 'held');
  const refused = await get('/held/2');
  assert.equal(refused.status, 503);
  assert.equal(refused.headers['retry-after'], '1');
  assert.equal(refused.headers['x-fulcrum-circuit'], 'max-requests');
  heldResponses[0]!.end('done');
  assert.equal((await first).status, 200);
  assert.equal(fulcrum.services.get('guarded')!.breaker!.requests, 0);
});
