// Backend failures: nothing available, refused connections, timeouts, malformed responses,
// and pooled sockets the backend closed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Fulcrum } from '../../src/fulcrum.js';
import { echoHandler, startHttpBackend, type HttpBackend } from '../helpers/http-backend.js';
import { closedPort, startRawBackend, type RawBackend } from '../helpers/raw-backend.js';
import { RawClient, rawRequest } from '../helpers/raw-client.js';
import { portOf, startFulcrum, yaml } from '../helpers/fulcrum.js';

/** What the `bad` backend answers, by request path. */
const BAD_RESPONSES: Record<string, string> = {
  '/garbage': 'HELLO WORLD\r\n\r\n',
  '/bad-length': 'HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\nabc',
  '/conflicting-length': 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd',
  '/length-and-chunked': 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
  '/bad-status': 'HTTP/1.1 2000 OK\r\nContent-Length: 0\r\n\r\n',
  '/bad-version': 'HTTP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n',
  '/obs-fold': 'HTTP/1.1 200 OK\r\nX-A: b\r\n c\r\nContent-Length: 0\r\n\r\n',
  '/nul-in-header': 'HTTP/1.1 200 OK\r\nX-A: b\0c\r\nContent-Length: 0\r\n\r\n',
  '/closed-before-head': '',
};

describe('backend failures', () => {
  let good: HttpBackend;
  let bad: RawBackend;
  let silent: RawBackend;
  let stale: RawBackend;
  let idleCloser: RawBackend;
  let fulcrum: Fulcrum;
  let port: number;

  before(async () => {
    good = await startHttpBackend(echoHandler('good'));
    bad = await startRawBackend((conn, head) => {
      const path = head.split(' ')[1]!;
      if (path === '/bad-chunk') {
        conn.socket.end('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nzz\r\nabc\r\n0\r\n\r\n');
        return;
      }
      if (path === '/truncated') {
        conn.socket.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten b');
        return;
      }
      conn.socket.end(BAD_RESPONSES[path] ?? '');
    });
    silent = await startRawBackend(() => {}); // reads requests, never answers
    // answers the first request on each connection; drops the connection on the second,
    // unanswered, as a backend does when it closes a keep-alive socket just as a request arrives
    stale = await startRawBackend((conn, head, n) => {
      if (n === 0) conn.socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${2 + head.split(' ')[1]!.length}\r\n\r\nok${head.split(' ')[1]}`);
      else conn.socket.destroy();
    });
    // answers with keep-alive framing, then closes the connection while it is idle
    idleCloser = await startRawBackend((conn) => {
      conn.socket.end('HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nidle');
    });
    const refused1 = await closedPort();
    const refused2 = await closedPort();
    fulcrum = await startFulcrum(yaml`
      listeners:
        - name: web
          address: 127.0.0.1:0
          routes:
            - { match: { pathPrefix: /none }, service: drained }
            - { match: { pathPrefix: /fallback }, service: fallback }
            - { match: { pathPrefix: /dead }, service: dead }
            - { match: { path: /slow-upload }, service: slowUpload }
            - { match: { pathPrefix: /slow }, service: slow }
            - { match: { pathPrefix: /stale }, service: stale }
            - { match: { pathPrefix: /idle }, service: idle }
            - service: bad
      services:
        drained:
          backends: [ { address: ${good.address}, weight: 0 } ]
        fallback:
          backends: [ { address: 127.0.0.1:${refused1} }, { address: ${good.address} } ]
        dead:
          backends: [ { address: 127.0.0.1:${refused1} }, { address: 127.0.0.1:${refused2} } ]
        slow:
          backends: [ { address: ${silent.address} } ]
          timeouts: { response: 300ms }
        slowUpload:
          backends: [ { address: ${good.address} } ]
          timeouts: { response: 300ms }
        stale:
          backends: [ { address: ${stale.address} } ]
        idle:
          backends: [ { address: ${idleCloser.address} } ]
        bad:
          backends: [ { address: ${bad.address} } ]
    `);
    port = portOf(fulcrum);
  });

  after(async () => {
    await fulcrum?.close();
    for (const backend of [good, bad, silent, stale, idleCloser]) await backend?.close();
  });

  const get = (path: string, extra = '') => rawRequest(port, `GET ${path} HTTP/1.1\r\nHost: a\r\n${extra}\r\n`, { closeWaitMs: 0 });

  test('no backend available (all weight 0) → 503 with Retry-After', async () => {
    const before = good.requests.length;
    const response = await get('/none');
    assert.equal(response.status, 503);
    assert.ok(response.headers['retry-after'] !== undefined, 'Retry-After is set');
    assert.equal(good.requests.length, before, 'the weight-0 backend gets nothing');
  });

  test('connection refused by one backend → the next candidate serves every request', async () => {
    const before = good.requests.length;
    for (let i = 0; i < 6; i++) {
      const response = await get(`/fallback/${i}`);
      assert.equal(response.status, 200, `request ${i}`);
      assert.equal(response.body.toString(), `good GET /fallback/${i} 0`);
    }
    assert.equal(good.requests.length - before, 6);
  });

  test('connection refused: a request body is sent whole to the next candidate', async () => {
    const before = good.requests.length;
    for (let i = 0; i < 2; i++) {
      const body = `payload-${i}-${'z'.repeat(3000)}`;
      const response = await rawRequest(port, `POST /fallback/post-${i} HTTP/1.1\r\nHost: a\r\nContent-Length: ${body.length}\r\n\r\n${body}`, { closeWaitMs: 0 });
      assert.equal(response.status, 200);
      assert.equal(good.requests[before + i]!.body.toString(), body);
    }
  });

  test('pipelined requests that Fulcrum answers itself (503) come back in order', async () => {
    const client = await RawClient.connect(port);
    try {
      await client.write('GET /none/1 HTTP/1.1\r\nHost: a\r\n\r\nGET /fallback/2 HTTP/1.1\r\nHost: a\r\n\r\nGET /none/3 HTTP/1.1\r\nHost: a\r\n\r\n');
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await client.response()).status);
      assert.deepEqual(statuses, [503, 200, 503]);
    } finally {
      client.close();
    }
  });

  test('every backend refuses → 502', async () => {
    const response = await get('/dead');
    assert.equal(response.status, 502);
  });

  test('no response head within timeouts.response → 504', async () => {
    const started = Date.now();
    const response = await get('/slow');
    const elapsed = Date.now() - started;
    assert.equal(response.status, 504);
    assert.ok(elapsed >= 250 && elapsed < 2000, `504 after ${elapsed} ms (response timeout 300 ms)`);
    assert.equal(silent.heads.length, 1, 'the request was sent once');
  });

  test('an upload that takes longer than timeouts.response, with data flowing, is not cut short', async () => {
    const before = good.requests.length;
    const client = await RawClient.connect(port);
    try {
      const piece = 'u'.repeat(1000);
      await client.write(`POST /slow-upload HTTP/1.1\r\nHost: a\r\nContent-Length: ${piece.length * 8}\r\n\r\n`);
      // 8 pieces, one every 100 ms: 800 ms of steady upload against a 300 ms response timeout
      for (let i = 0; i < 8; i++) {
        await client.write(piece);
        await new Promise((resolve) => setTimeout(resolve, 100)); // pacing the client, not waiting for an event
      }
      const response = await client.response();
      assert.equal(response.status, 200);
      assert.equal(response.body.toString(), `good POST /slow-upload ${piece.length * 8}`);
    } finally {
      client.close();
    }
    assert.equal(good.requests.length, before + 1);
  });

  for (const path of Object.keys(BAD_RESPONSES)) {
    test(`a malformed response (${path.slice(1)}) → 502`, async () => {
      const response = await get(path);
      assert.equal(response.status, 502);
    });
  }

  test('a response body cut short by the backend: the client connection is closed, not completed', async () => {
    const client = await RawClient.connect(port);
    try {
      await client.write('GET /truncated HTTP/1.1\r\nHost: a\r\n\r\n');
      await assert.rejects(client.response(), /closed before a complete response/);
      assert.equal(client.ended, true);
    } finally {
      client.close();
    }
  });

  test('bad chunk framing in a response body: the client never gets a complete response', async () => {
    // the head may already be on its way, so the only honest signal is closing the connection
    const client = await RawClient.connect(port);
    try {
      await client.write('GET /bad-chunk HTTP/1.1\r\nHost: a\r\n\r\n');
      const outcome = await client.response().then(
        (response) => `status ${response.status}`,
        (error: Error) => error.message,
      );
      assert.ok(outcome === 'status 502' || outcome.startsWith('connection closed before a complete response'), outcome);
      assert.equal(await client.closesWithin(1000), true);
    } finally {
      client.close();
    }
  });

  test('a pooled socket dropped by the backend: a GET is retried once on a fresh connection', async () => {
    const warm = await get('/stale/warm');
    assert.equal(warm.status, 200);
    const connectionsBefore = stale.connections.length;
    const response = await get('/stale/again');
    assert.equal(response.status, 200);
    assert.equal(response.body.toString(), 'ok/stale/again');
    assert.equal(stale.connections.length, connectionsBefore + 1, 'one fresh connection for the retry');
    assert.equal(stale.heads.filter((h) => h.startsWith('GET /stale/again ')).length, 2, 'sent on the stale socket, then once more');
  });

  test('a pooled socket dropped by the backend: a POST is never sent twice', async () => {
    const warm = await get('/stale/warm2');
    assert.equal(warm.status, 200);
    const response = await rawRequest(port, 'POST /stale/post HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nbody', { closeWaitMs: 0 });
    assert.equal(response.status, 502);
    assert.equal(stale.heads.filter((h) => h.startsWith('POST /stale/post ')).length, 1, 'the POST reached the backend once');
  });

  test('a backend that closes idle keep-alive sockets: the next requests open new connections and succeed', async () => {
    const client = await RawClient.connect(port);
    try {
      for (let i = 0; i < 5; i++) {
        await client.write(`${i % 2 === 0 ? 'GET' : 'POST'} /idle/${i} HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n`);
        const response = await client.response();
        assert.equal(response.status, 200, `request ${i}`);
        assert.equal(response.body.toString(), 'idle');
      }
    } finally {
      client.close();
    }
    assert.equal(idleCloser.heads.length, 5, 'each request sent once');
    assert.equal(idleCloser.connections.length, 5);
  });

  test('after all these failures the client connection still works for good requests', async () => {
    const client = await RawClient.connect(port);
    try {
      for (const path of ['/dead', '/fallback/x', '/none', '/fallback/y']) {
        await client.write(`GET ${path} HTTP/1.1\r\nHost: a\r\n\r\n`);
        const response = await client.response();
        assert.equal(response.status, path.startsWith('/fallback') ? 200 : path === '/dead' ? 502 : 503);
      }
      assert.equal(client.ended, false, 'errors for fully read requests keep the connection');
    } finally {
      client.close();
    }
  });
});
