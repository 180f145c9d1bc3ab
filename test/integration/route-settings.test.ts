// Per-route timeouts and limits (issue 11, item 6): a route's own `timeouts.response` and
// `limits.maxBodyBytes` override its service's and its listener's, over HTTP/1.1 and HTTP/2,
// while another route on the same service keeps the service's and the listener's.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { once } from 'node:events';
import type { Fulcrum } from '../../src/fulcrum.js';
import { echoHandler, startHttpBackend, type HttpBackend } from '../helpers/http-backend.js';
import { portOf, startFulcrum, yaml } from '../helpers/fulcrum.js';
import { request } from '../helpers/http-get.js';

/** the backend answers /…/slow after this long; the short route's response timeout is well below it */
const SLOW_MS = 700;
const echo = echoHandler('app');

let backend: HttpBackend;
let fulcrum: Fulcrum;
let port: number;

before(async () => {
  backend = await startHttpBackend((req, res, recorded) => {
    if (req.url?.endsWith('/slow')) setTimeout(() => echo(req, res, recorded), SLOW_MS);
    else echo(req, res, recorded);
  });
  fulcrum = await startFulcrum(yaml`
    listeners:
      - name: web
        address: 127.0.0.1:0
        http2: { enabled: true }
        limits: { maxBodyBytes: 64kb }
        routes:
          - { match: { pathPrefix: /short/ }, service: app, timeouts: { response: 150ms } }
          - { match: { pathPrefix: /small/ }, service: app, limits: { maxBodyBytes: 1kb } }
          - { match: { pathPrefix: /big/ }, service: app, limits: { maxBodyBytes: 1mb } }
          - service: app
    services:
      app:
        backends: [ { address: ${backend.address} } ]
        timeouts: { response: 5s }
  `);
  port = portOf(fulcrum);
});

after(async () => {
  await fulcrum?.close();
  await backend?.close();
});

async function h2Request(path: string, method = 'GET', body?: Buffer): Promise<{ status: number; body: string; ms: number }> {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  try {
    const started = Date.now();
    const stream = session.request({ ':method': method, ':path': path });
    if (body !== undefined) stream.end(body);
    else stream.end();
    const [headers] = (await once(stream, 'response')) as [http2.IncomingHttpHeaders];
    const parts: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => parts.push(chunk));
    await once(stream, 'end');
    return { status: Number(headers[':status']), body: Buffer.concat(parts).toString(), ms: Date.now() - started };
  } finally {
    session.close();
  }
}

async function h1Timed(path: string): Promise<{ status: number; body: string; ms: number }> {
  const started = Date.now();
  const got = await request(port, path);
  return { status: got.status, body: got.body.toString(), ms: Date.now() - started };
}

for (const [protocol, get] of [
  ['HTTP/1.1', h1Timed],
  ['HTTP/2', (path: string) => h2Request(path)],
] as const) {
  test(`${protocol}: the route with a 150ms response timeout gets 504; the other route on the same service waits for the answer`, async () => {
    const [short, other] = await Promise.all([get('/short/slow'), get('/other/slow')]);
    assert.equal(short.status, 504);
    assert.ok(short.ms < SLOW_MS, `504 after ${short.ms} ms, before the backend's ${SLOW_MS} ms`);
    assert.equal(other.status, 200);
    assert.equal(other.body, 'app GET /other/slow 0');
    assert.ok(other.ms >= SLOW_MS - 50, `answered after ${other.ms} ms`);
  });
}

const BODY = Buffer.alloc(4 * 1024, 'x');
const LARGE = Buffer.alloc(200 * 1024, 'y');

test('HTTP/1.1: a route with maxBodyBytes 1kb answers 413 to a 4kb body; the default route takes it', async () => {
  const small = await request(port, '/small/upload', {}, 'POST', BODY.toString());
  assert.equal(small.status, 413);
  const other = await request(port, '/other/upload', {}, 'POST', BODY.toString());
  assert.equal(other.status, 200);
  assert.equal(other.body.toString(), `app POST /other/upload ${BODY.length}`);
});

test("HTTP/1.1: a route's maxBodyBytes can be above the listener's (200kb: the listener's 64kb refuses, the 1mb route takes it)", async () => {
  const refused = await request(port, '/other/upload', {}, 'POST', LARGE.toString());
  assert.equal(refused.status, 413);
  const big = await request(port, '/big/upload', {}, 'POST', LARGE.toString());
  assert.equal(big.status, 200);
  assert.equal(big.body.toString(), `app POST /big/upload ${LARGE.length}`);
});

test('HTTP/2: a route with maxBodyBytes 1kb answers 413 to a 4kb body; the default route takes it', async () => {
  const small = await h2Request('/small/upload', 'POST', BODY);
  assert.equal(small.status, 413);
  const other = await h2Request('/other/upload', 'POST', BODY);
  assert.equal(other.status, 200);
  assert.equal(other.body, `app POST /other/upload ${BODY.length}`);
  const big = await h2Request('/big/upload', 'POST', LARGE);
  assert.equal(big.status, 200);
  assert.equal(big.body, `app POST /big/upload ${LARGE.length}`);
});
