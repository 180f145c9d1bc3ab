// Connection management: keep-alive on both sides, pipelining in order, and no reuse of
// an upstream socket whose response was delimited by close.
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Fulcrum } from '../../src/fulcrum.js';
import { echoHandler, startHttpBackend, type HttpBackend } from '../helpers/http-backend.js';
import { startRawBackend, type RawBackend } from '../helpers/raw-backend.js';
import { RawClient } from '../helpers/raw-client.js';
import { portOf, startFulcrum, yaml } from '../helpers/fulcrum.js';

const echo = echoHandler('b');

describe('connections', () => {
  let backend: HttpBackend;
  let closer: RawBackend;
  let fulcrum: Fulcrum;
  let port: number;
  const clients: RawClient[] = [];

  before(async () => {
    backend = await startHttpBackend((req, res, recorded) => {
      // /slow is answered 200 ms late, to show pipelined answers still come in order
      if (req.url === '/slow') setTimeout(() => echo(req, res, recorded), 200);
      else echo(req, res, recorded);
    });
    // answers every request with a body delimited by closing the connection
    closer = await startRawBackend((conn, head) => {
      const path = head.split(' ')[1];
      conn.socket.end(`HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil-close body for ${path}`);
    });
    fulcrum = await startFulcrum(yaml`
      listeners:
        - name: web
          address: 127.0.0.1:0
          routes:
            - { match: { pathPrefix: /close/ }, service: closer }
            - service: api
      services:
        api:
          backends: [ { address: ${backend.address} } ]
        closer:
          backends: [ { address: ${closer.address} } ]
    `);
    port = portOf(fulcrum);
  });

  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
  });

  after(async () => {
    await fulcrum?.close();
    await backend?.close();
    await closer?.close();
  });

  async function connect(): Promise<RawClient> {
    const client = await RawClient.connect(port);
    clients.push(client);
    return client;
  }

  test('keep-alive on both sides: 50 requests on one client connection use one upstream connection', async () => {
    const connectionsBefore = backend.connections;
    const requestsBefore = backend.requests.length;
    const client = await connect();
    for (let i = 0; i < 50; i++) {
      await client.write(`GET /ka/${i} HTTP/1.1\r\nHost: a\r\n\r\n`);
      const response = await client.response();
      assert.equal(response.status, 200);
      assert.equal(response.body.toString(), `b GET /ka/${i} 0`);
      assert.equal(response.headers['connection'], undefined, 'no Connection: close');
    }
    assert.equal(client.ended, false, 'the client connection is still open');
    assert.equal(backend.requests.length - requestsBefore, 50);
    assert.equal(backend.connections - connectionsBefore, 1, 'one upstream connection, reused for every request');
  });

  test('keep-alive with request bodies reuses the upstream connection too', async () => {
    const connectionsBefore = backend.connections;
    const client = await connect();
    for (let i = 0; i < 20; i++) {
      const body = 'x'.repeat(i * 100);
      await client.write(`POST /body/${i} HTTP/1.1\r\nHost: a\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
      const response = await client.response();
      assert.equal(response.body.toString(), `b POST /body/${i} ${body.length}`);
    }
    assert.ok(backend.connections - connectionsBefore <= 1, `${backend.connections - connectionsBefore} upstream connections for 20 requests`);
  });

  test('pipelined requests are answered in order, even when the first is slow', async () => {
    const client = await connect();
    await client.write('GET /slow HTTP/1.1\r\nHost: a\r\n\r\n' + 'GET /p2 HTTP/1.1\r\nHost: a\r\n\r\n' + 'GET /p3 HTTP/1.1\r\nHost: a\r\n\r\n');
    const bodies = [];
    for (let i = 0; i < 3; i++) bodies.push((await client.response()).body.toString());
    assert.deepEqual(bodies, ['b GET /slow 0', 'b GET /p2 0', 'b GET /p3 0']);
    assert.equal(client.ended, false);
  });

  test('pipelined requests with bodies, split at odd places, are answered in order', async () => {
    const client = await connect();
    const all =
      'POST /q1 HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello' +
      'POST /q2 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n' +
      'GET /q3 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n';
    // in three writes that cut through a head and a body
    for (const piece of [all.slice(0, 40), all.slice(40, 95), all.slice(95)]) await client.write(piece);
    const bodies = [];
    for (let i = 0; i < 3; i++) bodies.push((await client.response()).body.toString());
    assert.deepEqual(bodies, ['b POST /q1 5', 'b POST /q2 3', 'b GET /q3 0']);
    assert.equal(await client.closesWithin(1000), true, 'closed after the request that asked for it');
  });

  test('Connection: close from the client: answered with Connection: close, then closed', async () => {
    const client = await connect();
    await client.write('GET /bye HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    const response = await client.response();
    assert.equal(response.status, 200);
    assert.equal(response.headers['connection'], 'close');
    assert.equal(await client.closesWithin(1000), true);
  });

  test('a client that half-closes after its request still gets the response', async () => {
    const client = await connect();
    await client.write('GET /half HTTP/1.1\r\nHost: a\r\n\r\n');
    client.socket.end();
    const response = await client.response();
    assert.equal(response.body.toString(), 'b GET /half 0');
    assert.equal(await client.closesWithin(1000), true);
  });

  test('HTTP/1.0: closed after the response unless it asked for keep-alive', async () => {
    const plain = await connect();
    await plain.write('GET /old HTTP/1.0\r\n\r\n');
    assert.equal((await plain.response()).status, 200);
    assert.equal(await plain.closesWithin(1000), true);

    const kept = await connect();
    await kept.write('GET /old HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
    const response = await kept.response();
    assert.equal(response.headers['connection'], 'keep-alive');
    await kept.write('GET /old2 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
    assert.equal((await kept.response()).body.toString(), 'b GET /old2 0');
  });

  test('a close-delimited response reaches an HTTP/1.1 client chunked, and its upstream socket is not reused', async () => {
    const connectionsBefore = closer.connections.length;
    const client = await connect();
    for (let i = 0; i < 3; i++) {
      await client.write(`GET /close/${i} HTTP/1.1\r\nHost: a\r\n\r\n`);
      const response = await client.response();
      assert.equal(response.status, 200);
      assert.equal(response.framing, 'chunked');
      assert.equal(response.body.toString(), `until-close body for /close/${i}`);
    }
    assert.equal(client.ended, false, 'the client connection survives');
    const used = closer.connections.slice(connectionsBefore);
    assert.equal(used.length, 3, 'a new upstream connection for each request');
    for (const conn of used) assert.equal(conn.heads.length, 1, 'one request per upstream connection');
  });

  test('a close-delimited response reaches an HTTP/1.0 client delimited by close', async () => {
    const client = await connect();
    await client.write('GET /close/old HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
    const response = await client.response();
    assert.equal(response.status, 200);
    assert.equal(response.framing, 'close');
    assert.equal(response.body.toString(), 'until-close body for /close/old');
  });
});
