// Forwarding fields: hop-by-hop removal both ways, X-Forwarded-*, X-Real-IP, Forwarded
// from the real peer (appended only behind a trusted proxy), X-Request-ID and Via.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Fulcrum } from '../../src/fulcrum.js';
import { startHttpBackend, type HttpBackend, type RecordedRequest } from '../helpers/http-backend.js';
import { startRawBackend, type RawBackend } from '../helpers/raw-backend.js';
import { rawRequest } from '../helpers/raw-client.js';
import { portOf, startFulcrum, yaml } from '../helpers/fulcrum.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Every value of a field as the backend received it (names compared case-insensitively). */
function all(request: RecordedRequest, name: string): string[] {
  const values: string[] = [];
  for (let i = 0; i < request.rawHeaders.length; i += 2) {
    if (request.rawHeaders[i]!.toLowerCase() === name) values.push(request.rawHeaders[i + 1]!);
  }
  return values;
}

describe('forwarding headers', () => {
  let backend: HttpBackend;
  let hopByHop: RawBackend;
  let fulcrum: Fulcrum;
  let port: number;
  let trustedPort: number;

  before(async () => {
    backend = await startHttpBackend();
    hopByHop = await startRawBackend((conn) => {
      conn.socket.write(
        'HTTP/1.1 200 OK\r\nConnection: keep-alive, X-Internal\r\nKeep-Alive: timeout=5\r\nX-Internal: secret\r\n' +
          'Proxy-Connection: keep-alive\r\nUpgrade: h2c\r\nX-Public: p\r\nContent-Length: 2\r\n\r\nok',
      );
    });
    fulcrum = await startFulcrum(yaml`
      listeners:
        - name: web
          address: 127.0.0.1:0
          routes:
            - { match: { path: /hop-by-hop-response }, service: hop }
            - service: api
        - name: behind-proxy
          address: 127.0.0.1:0
          trustedProxies: [ 127.0.0.1/32 ]
          routes: [ { service: api } ]
      services:
        api:
          backends: [ { address: ${backend.address} } ]
        hop:
          backends: [ { address: ${hopByHop.address} } ]
    `);
    port = portOf(fulcrum);
    trustedPort = portOf(fulcrum, 'behind-proxy');
  });

  after(async () => {
    await fulcrum?.close();
    await backend?.close();
    await hopByHop?.close();
  });

  async function forward(listenerPort: number, head: string): Promise<RecordedRequest> {
    const before = backend.requests.length;
    const response = await rawRequest(listenerPort, head, { closeWaitMs: 0 });
    assert.equal(response.status, 200);
    assert.equal(backend.requests.length, before + 1);
    return backend.requests.at(-1)!;
  }

  test('hop-by-hop fields and the fields named in Connection are not forwarded', async () => {
    const seen = await forward(
      port,
      'GET / HTTP/1.1\r\nHost: app.test\r\nConnection: keep-alive, X-Secret\r\nKeep-Alive: timeout=5\r\n' +
        'Proxy-Connection: keep-alive\r\nTE: trailers\r\nUpgrade: websocket\r\nX-Secret: s\r\nX-Normal: n\r\n\r\n',
    );
    assert.equal(seen.headers['x-normal'], 'n');
    for (const name of ['connection', 'keep-alive', 'proxy-connection', 'te', 'upgrade', 'x-secret']) {
      assert.deepEqual(all(seen, name), [], `${name} is not forwarded`);
    }
    assert.equal(seen.headers['host'], 'app.test');
  });

  test('hop-by-hop fields of the response are not relayed to the client', async () => {
    const response = await rawRequest(port, 'GET /hop-by-hop-response HTTP/1.1\r\nHost: a\r\n\r\n', { closeWaitMs: 0 });
    assert.equal(response.status, 200);
    assert.equal(response.headers['x-public'], 'p');
    for (const name of ['x-internal', 'keep-alive', 'proxy-connection', 'upgrade', 'connection']) {
      assert.equal(response.headers[name], undefined, `${name} is not relayed`);
    }
    assert.equal(response.body.toString(), 'ok');
  });

  test('forwarding fields are set from the real peer; a client’s own are replaced', async () => {
    const seen = await forward(
      port,
      'GET / HTTP/1.1\r\nHost: app.test:8080\r\nX-Forwarded-For: 1.2.3.4\r\nX-Forwarded-Proto: https\r\n' +
        'X-Forwarded-Host: evil.test\r\nX-Real-IP: 1.2.3.4\r\nForwarded: for=1.2.3.4;proto=https\r\n\r\n',
    );
    assert.deepEqual(all(seen, 'x-forwarded-for'), ['127.0.0.1']);
    assert.deepEqual(all(seen, 'x-forwarded-proto'), ['http']);
    assert.deepEqual(all(seen, 'x-forwarded-host'), ['app.test:8080']);
    assert.deepEqual(all(seen, 'x-real-ip'), ['127.0.0.1']);
    assert.deepEqual(all(seen, 'forwarded'), ['for=127.0.0.1;proto=http;host="app.test:8080"']);
    assert.deepEqual(all(seen, 'host'), ['app.test:8080']);
  });

  test('behind a trusted proxy the client’s forwarding fields are kept and appended to', async () => {
    const seen = await forward(
      trustedPort,
      'GET / HTTP/1.1\r\nHost: app.test\r\nX-Forwarded-For: 1.2.3.4\r\nX-Forwarded-Proto: https\r\n' + 'X-Forwarded-Host: public.test\r\nForwarded: for=1.2.3.4;proto=https\r\n\r\n',
    );
    assert.deepEqual(all(seen, 'x-forwarded-for'), ['1.2.3.4, 127.0.0.1']);
    assert.deepEqual(all(seen, 'x-forwarded-proto'), ['https']);
    assert.deepEqual(all(seen, 'x-forwarded-host'), ['public.test']);
    assert.deepEqual(all(seen, 'x-real-ip'), ['1.2.3.4'], 'the real client is the first untrusted hop');
    assert.deepEqual(all(seen, 'forwarded'), ['for=1.2.3.4;proto=https, for=127.0.0.1;proto=http;host="app.test"']);
  });

  test('behind a trusted proxy, a request without forwarding fields gets the peer’s', async () => {
    const seen = await forward(trustedPort, 'GET / HTTP/1.1\r\nHost: app.test\r\n\r\n');
    assert.deepEqual(all(seen, 'x-forwarded-for'), ['127.0.0.1']);
    assert.deepEqual(all(seen, 'x-real-ip'), ['127.0.0.1']);
  });

  test('X-Request-ID: generated when absent (unique), kept when present, replaced when malformed', async () => {
    const first = await forward(port, 'GET / HTTP/1.1\r\nHost: a\r\n\r\n');
    const second = await forward(port, 'GET / HTTP/1.1\r\nHost: a\r\n\r\n');
    assert.match(first.headers['x-request-id'] as string, UUID);
    assert.match(second.headers['x-request-id'] as string, UUID);
    assert.notEqual(first.headers['x-request-id'], second.headers['x-request-id']);

    const kept = await forward(port, 'GET / HTTP/1.1\r\nHost: a\r\nX-Request-ID: abc-123.def\r\n\r\n');
    assert.deepEqual(all(kept, 'x-request-id'), ['abc-123.def']);

    const malformed = await forward(port, 'GET / HTTP/1.1\r\nHost: a\r\nX-Request-ID: <script>\r\n\r\n');
    assert.equal(all(malformed, 'x-request-id').length, 1);
    assert.match(malformed.headers['x-request-id'] as string, UUID);
  });

  test('Via: added, after any Via the client sent', async () => {
    const plain = await forward(port, 'GET / HTTP/1.1\r\nHost: a\r\n\r\n');
    assert.deepEqual(all(plain, 'via'), ['1.1 fulcrum']);
    const chained = await forward(port, 'GET / HTTP/1.1\r\nHost: a\r\nVia: 1.0 edge\r\n\r\n');
    assert.deepEqual(all(chained, 'via'), ['1.0 edge, 1.1 fulcrum']);
    const old = await forward(port, 'GET / HTTP/1.0\r\nHost: a\r\n\r\n');
    assert.deepEqual(all(old, 'via'), ['1.0 fulcrum'], 'the protocol version received');
  });

  test('absolute-form target: its authority is the Host sent upstream', async () => {
    const seen = await forward(port, 'GET http://abs.test:81/p?q=1 HTTP/1.1\r\nHost: other.test\r\n\r\n');
    assert.equal(seen.url, '/p?q=1');
    assert.deepEqual(all(seen, 'host'), ['abs.test:81']);
  });
});
