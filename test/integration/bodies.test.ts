// Message bodies: chunked both ways with trailers, responses that never have a body, and
// Expect: 100-continue.
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { Fulcrum } from '../../src/fulcrum.js';
import { echoHandler, startHttpBackend, type HttpBackend } from '../helpers/http-backend.js';
import { startRawBackend, type RawBackend } from '../helpers/raw-backend.js';
import { RawClient } from '../helpers/raw-client.js';
import { portOf, startFulcrum, yaml } from '../helpers/fulcrum.js';
import { readThrottled } from '../helpers/streaming.js';

const echo = echoHandler('b');
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
/** random bytes, so a byte reused from the wrong read would show */
const BIG = randomBytes(24 * 1024 * 1024);

describe('bodies', () => {
  let backend: HttpBackend;
  let interim: RawBackend;
  let splitter: RawBackend;
  let fulcrum: Fulcrum;
  let port: number;
  const clients: RawClient[] = [];

  before(async () => {
    backend = await startHttpBackend((req, res, recorded) => {
      switch (req.url) {
        case '/trailers':
          res.writeHead(200, { 'content-type': 'text/plain', trailer: 'X-Sum' });
          res.write('first ');
          res.write('second');
          res.addTrailers({ 'X-Sum': '42' });
          res.end();
          return;
        case '/big-length':
        case '/big-chunked': {
          res.writeHead(200, req.url === '/big-length' ? { 'content-length': BIG.length } : {});
          // in uneven pieces, as a real backend writes
          for (let i = 0, n = 1; i < BIG.length; i += n, n = ((n * 7919 + 13) % 300_000) + 1) res.write(BIG.subarray(i, i + n));
          res.end();
          return;
        }
        case '/head':
          res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 100 });
          res.end(req.method === 'HEAD' ? undefined : 'x'.repeat(100));
          return;
        case '/204':
          res.writeHead(204, { 'x-kind': 'no-content' });
          res.end();
          return;
        case '/304':
          res.writeHead(304, { etag: '"v1"' });
          res.end();
          return;
        default:
          echo(req, res, recorded);
      }
    });
    // a backend that sends interim responses nobody asked for
    interim = await startRawBackend((conn) => {
      conn.socket.write('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n');
      conn.socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    });
    // sends its response head in pieces, 20 ms apart
    splitter = await startRawBackend((conn) => {
      const pieces = ['HTTP/1.1 200 OK\r\nContent-', 'Length: 5\r\nX-Split: yes\r', '\n\r\nhel', 'lo'];
      const next = (): void => {
        if (!conn.socket.destroyed) conn.socket.write(pieces.shift()!);
        if (pieces.length > 0) setTimeout(next, 20);
      };
      next();
    });
    fulcrum = await startFulcrum(yaml`
      listeners:
        - name: web
          address: 127.0.0.1:0
          limits: { maxBodyBytes: 1kb }
          routes:
            - { match: { path: /interim }, service: interim }
            - { match: { path: /split-head }, service: splitter }
            - service: api
      services:
        api:
          backends: [ { address: ${backend.address} } ]
        interim:
          backends: [ { address: ${interim.address} } ]
        splitter:
          backends: [ { address: ${splitter.address} } ]
    `);
    port = portOf(fulcrum);
  });

  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
  });

  after(async () => {
    await fulcrum?.close();
    await backend?.close();
    await interim?.close();
    await splitter?.close();
  });

  async function connect(): Promise<RawClient> {
    const client = await RawClient.connect(port);
    clients.push(client);
    return client;
  }

  test('a chunked upload reaches the backend whole, with its trailers, without chunk extensions', async () => {
    const client = await connect();
    await client.write('POST /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTrailer: X-Checksum\r\n\r\n');
    await client.write('5;name=value\r\nhello\r\n');
    await client.write('6\r\n world\r\n');
    await client.write('0\r\nX-Checksum: abc123\r\n\r\n');
    const response = await client.response();
    assert.equal(response.body.toString(), 'b POST /up 11');
    const seen = backend.requests.at(-1)!;
    assert.equal(seen.body.toString(), 'hello world');
    assert.equal(seen.headers['transfer-encoding'], 'chunked');
    assert.equal(seen.trailers['x-checksum'], 'abc123');
    assert.ok(!backend.raw().includes('name=value'), 'chunk extensions are not relayed');
  });

  test('framing fields in request trailers are dropped', async () => {
    const client = await connect();
    await client.write('POST /up2 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\nContent-Length: 99\r\nX-Ok: yes\r\n\r\n');
    assert.equal((await client.response()).status, 200);
    const seen = backend.requests.at(-1)!;
    assert.equal(seen.trailers['x-ok'], 'yes');
    assert.equal(seen.trailers['content-length'], undefined);
  });

  test('a chunked response reaches the client chunked, with its trailers', async () => {
    const client = await connect();
    await client.write('GET /trailers HTTP/1.1\r\nHost: a\r\nTE: trailers\r\n\r\n');
    const response = await client.response();
    assert.equal(response.status, 200);
    assert.equal(response.framing, 'chunked');
    assert.equal(response.body.toString(), 'first second');
    assert.equal(response.trailers['x-sum'], '42');
    // the connection is still usable: the body was framed exactly
    await client.write('GET /after HTTP/1.1\r\nHost: a\r\n\r\n');
    assert.equal((await client.response()).body.toString(), 'b GET /after 0');
  });

  test('a chunked response to an HTTP/1.0 client: no Transfer-Encoding, the body delimited by close', async () => {
    const client = await connect();
    await client.write('GET /trailers HTTP/1.0\r\nHost: a\r\nConnection: keep-alive\r\n\r\n');
    const response = await client.response();
    assert.equal(response.status, 200);
    assert.equal(response.headers['transfer-encoding'], undefined, 'HTTP/1.0 has no chunked coding (RFC 9112 6.1)');
    assert.equal(response.framing, 'close');
    assert.equal(response.body.toString(), 'first second');
    assert.equal(client.ended, true);
  });

  for (const path of ['/big-length', '/big-chunked']) {
    test(`a 24 MB random body (${path.slice(5)}) reaches a slow client byte for byte`, async () => {
      const hash = createHash('sha256');
      const received = await new Promise<number>((resolve, reject) => {
        http
          .get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
            res.on('data', (chunk: Buffer) => hash.update(chunk));
            readThrottled(res, 60 * 1024 * 1024).then(resolve, reject);
          })
          .on('error', reject);
      });
      assert.equal(received, BIG.length);
      assert.equal(hash.digest('hex'), sha256(BIG));
    });
  }

  test('a response head that arrives in pieces is put back together', async () => {
    const client = await connect();
    for (let i = 0; i < 2; i++) {
      await client.write('GET /split-head HTTP/1.1\r\nHost: a\r\n\r\n');
      const response = await client.response();
      assert.equal(response.status, 200);
      assert.equal(response.headers['x-split'], 'yes');
      assert.equal(response.body.toString(), 'hello');
    }
  });

  test('HEAD: the length of the GET, no body, and the connection stays in sync', async () => {
    const client = await connect();
    await client.write('HEAD /head HTTP/1.1\r\nHost: a\r\n\r\n');
    const response = await client.response('HEAD');
    assert.equal(response.status, 200);
    assert.equal(response.headers['content-length'], '100');
    await client.write('GET /after-head HTTP/1.1\r\nHost: a\r\n\r\n');
    const next = await client.response();
    assert.equal(next.body.toString(), 'b GET /after-head 0', 'no body bytes were sent after the HEAD response');
    assert.equal(client.unread.length, 0);
  });

  for (const status of [204, 304]) {
    test(`${status}: no body, no framing fields, and the connection stays in sync`, async () => {
      const client = await connect();
      await client.write(`GET /${status} HTTP/1.1\r\nHost: a\r\n\r\n`);
      const response = await client.response();
      assert.equal(response.status, status);
      assert.equal(response.headers['transfer-encoding'], undefined);
      if (status === 204) assert.equal(response.headers['content-length'], undefined);
      await client.write(`GET /after-${status} HTTP/1.1\r\nHost: a\r\n\r\n`);
      assert.equal((await client.response()).body.toString(), `b GET /after-${status} 0`);
      assert.equal(client.unread.length, 0);
    });
  }

  test('Expect: 100-continue: the client gets 100 from the backend, sends the body, then gets the response', async () => {
    const client = await connect();
    await client.write('POST /expect HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n');
    const interimResponse = await client.response();
    assert.equal(interimResponse.status, 100);
    await client.write('hello');
    const response = await client.response();
    assert.equal(response.status, 200);
    assert.equal(response.body.toString(), 'b POST /expect 5');
    assert.equal(backend.requests.at(-1)!.body.toString(), 'hello');
  });

  test('Expect: 100-continue with a Content-Length over the limit → 413, without a 100', async () => {
    const requestsBefore = backend.requests.length;
    const client = await connect();
    await client.write('POST /expect HTTP/1.1\r\nHost: a\r\nContent-Length: 5000\r\nExpect: 100-continue\r\n\r\n');
    const response = await client.response();
    assert.equal(response.status, 413);
    assert.equal(await client.closesWithin(1000), true);
    assert.equal(backend.requests.length, requestsBefore, 'the backend was not asked');
  });

  test('interim responses: 100 is not relayed to a client that did not ask, 103 is', async () => {
    const client = await connect();
    await client.write('GET /interim HTTP/1.1\r\nHost: a\r\n\r\n');
    const first = await client.response();
    assert.equal(first.status, 103);
    assert.equal(first.headers['link'], '</s.css>; rel=preload', 'the fields of an interim response are relayed');
    const final = await client.response();
    assert.equal(final.status, 200);
    assert.equal(final.body.toString(), 'ok');
  });
});
