// HTTP/2 from clients to HTTP/1.1 backends: TLS with ALPN (curl --http2), h2c with prior
// knowledge, many streams on one connection, large bodies, and the request framing upstream.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import type { Fulcrum } from '../../src/fulcrum.js';
import { startHttpBackend, type HttpBackend } from '../helpers/http-backend.js';
import { TestCa, tempDir } from '../helpers/pki.js';
import { run } from '../helpers/l4.js';
import { portOf, startFulcrum, yaml } from '../helpers/fulcrum.js';

let pki: ReturnType<typeof tempDir>;
let ca: TestCa;
let backend: HttpBackend;
let fulcrum: Fulcrum;
let h2c: number;
let secure: number;
let plainH1: number;

before(async () => {
  pki = tempDir();
  ca = TestCa.create(pki.dir);
  const cert = ca.issue('server', ['localhost']);
  backend = await startHttpBackend((req, res, recorded) => {
    const answer = (): void => {
      if (req.url?.startsWith('/big/')) {
        const size = Number(req.url.slice(5));
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': size });
        res.end(Buffer.alloc(size, 0x61));
        return;
      }
      if (req.url === '/chunked') {
        res.writeHead(200, { 'content-type': 'text/plain', connection: 'keep-alive', 'keep-alive': 'timeout=5' });
        res.write('one,');
        res.end('two');
        return;
      }
      const body = JSON.stringify({ method: req.method, url: req.url, length: recorded.body.length, headers: req.headers });
      res.writeHead(200, { 'content-type': 'application/json', 'x-backend': 'one' });
      res.end(body);
    };
    if (req.readableEnded) answer();
    else req.on('end', answer);
  });
  fulcrum = await startFulcrum(yaml`
    listeners:
      - name: web
        address: 127.0.0.1:0
        http2: { enabled: true }
        routes: [ { service: app } ]
      - name: secure
        address: 127.0.0.1:0
        protocol: https
        tls: { certificates: [ { cert: ${cert.cert}, key: ${cert.key} } ], hsts: { maxAge: 1h } }
        routes: [ { service: app } ]
      - name: plain
        address: 127.0.0.1:0
        routes: [ { service: app } ]
    services:
      app: { backends: [ { address: ${backend.address} } ] }
  `);
  h2c = portOf(fulcrum, 'web');
  secure = portOf(fulcrum, 'secure');
  plainH1 = portOf(fulcrum, 'plain');
});

after(async () => {
  await fulcrum?.close();
  await backend?.close();
  pki?.remove();
});

function connect(port: number): http2.ClientHttp2Session {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  session.on('error', () => {});
  return session;
}

function request(
  session: http2.ClientHttp2Session,
  headers: http2.OutgoingHttpHeaders,
  body?: Buffer | string,
): Promise<{ status: number; headers: http2.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const stream = session.request(headers, { endStream: body === undefined });
    let responseHeaders: http2.IncomingHttpHeaders = {};
    const parts: Buffer[] = [];
    stream.on('response', (h) => (responseHeaders = h));
    stream.on('data', (chunk: Buffer) => parts.push(chunk));
    stream.on('end', () => resolve({ status: Number(responseHeaders[':status']), headers: responseHeaders, body: Buffer.concat(parts) }));
    stream.on('error', reject);
    if (body !== undefined) stream.end(body);
  });
}

test('curl --http2 over TLS negotiates h2 by ALPN and reaches the HTTP/1.1 backend', async () => {
  const result = await run('curl', ['-sS', '--http2', '--cacert', ca.cert, '-o', '-', '-w', '\n%{http_version} %{http_code}', `https://localhost:${secure}/tls?x=1`]);
  const [body, status] = result.stdout.trim().split('\n');
  assert.equal(status, '2 200');
  const seen = JSON.parse(body!);
  assert.equal(seen.url, '/tls?x=1');
  assert.equal(seen.headers.via, '2 fulcrum');
  assert.equal(seen.headers['x-forwarded-proto'], 'https');
  assert.equal(seen.headers.host, `localhost:${secure}`);
});

test('over h2: HSTS on responses, 421 when :authority is not the SNI name', async () => {
  const ok = await run('curl', ['-sS', '-i', '--http2', '--cacert', ca.cert, `https://localhost:${secure}/`]);
  assert.match(ok.stdout, /^HTTP\/2 200/);
  assert.match(ok.stdout, /\nstrict-transport-security: max-age=3600\r\n/);
  const misdirected = await run('curl', ['-sS', '-i', '--http2', '--cacert', ca.cert, '-H', 'Host: other.test', `https://localhost:${secure}/`]);
  assert.match(misdirected.stdout, /^HTTP\/2 421/);
});

test('an https listener still serves HTTP/1.1 clients (ALPN http/1.1 or none)', async () => {
  const result = await run('curl', ['-sS', '--http1.1', '--cacert', ca.cert, '-o', '/dev/null', '-w', '%{http_version} %{http_code}', `https://localhost:${secure}/`]);
  assert.equal(result.stdout, '1.1 200');
});

test('curl --http2-prior-knowledge on an h2c listener; HTTP/1.1 on the same port still works', async () => {
  const h2 = await run('curl', ['-sS', '--http2-prior-knowledge', '-o', '/dev/null', '-w', '%{http_version} %{http_code}', `http://127.0.0.1:${h2c}/h2c`]);
  assert.equal(h2.stdout, '2 200');
  const h1 = await run('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_version} %{http_code}', `http://127.0.0.1:${h2c}/h1`]);
  assert.equal(h1.stdout, '1.1 200');
});

test('a plain listener without http2 keeps answering the h2c preface as HTTP/1.1 does (505)', async () => {
  const result = await run('curl', ['-sS', '--http2-prior-knowledge', '-o', '/dev/null', '-w', '%{http_code}', `http://127.0.0.1:${plainH1}/`]);
  assert.notEqual(result.stdout, '200');
});

test('100 concurrent streams on one connection all succeed, on one client connection', async () => {
  const session = connect(h2c);
  const results = await Promise.all(Array.from({ length: 100 }, (_, i) => request(session, { ':path': `/s/${i}` })));
  for (const [i, r] of results.entries()) {
    assert.equal(r.status, 200);
    assert.equal(JSON.parse(r.body.toString()).url, `/s/${i}`);
  }
  session.close();
});

test('the upstream request is framed with Content-Length = the DATA received; no body means no length', async () => {
  const session = connect(h2c);
  const before = backend.requests.length;
  const r = await request(session, { ':method': 'POST', ':path': '/post' }, 'hello h2 body');
  assert.equal(r.status, 200);
  const got = backend.requests.slice(before).find((x) => x.url === '/post')!;
  assert.equal(got.headers['content-length'], '13');
  assert.equal(got.headers['transfer-encoding'], undefined);
  assert.equal(got.body.toString(), 'hello h2 body');
  const g = await request(session, { ':path': '/get' });
  assert.equal(g.status, 200);
  const gotGet = backend.requests.find((x) => x.url === '/get')!;
  assert.equal(gotGet.headers['content-length'], undefined);
  assert.equal(gotGet.headers['transfer-encoding'], undefined);
  session.close();
});

test('a client-declared content-length that lies is not what the backend gets', async () => {
  // node refuses to send a mismatching length itself; an empty POST with content-length: 0 must stay 0
  const session = connect(h2c);
  const r = await request(session, { ':method': 'POST', ':path': '/empty', 'content-length': '0' }, '');
  assert.equal(r.status, 200);
  const got = backend.requests.find((x) => x.url === '/empty')!;
  assert.equal(got.headers['content-length'], '0');
  session.close();
});

test('a body still streaming when the head goes out is sent chunked, byte for byte', async () => {
  const session = connect(h2c);
  const stream = session.request({ ':method': 'PUT', ':path': '/stream' }, { endStream: false });
  const big = Buffer.alloc(200 * 1024, 0x62); // past what is buffered before sending
  stream.write(big);
  const response = new Promise<number>((resolve, reject) => {
    stream.on('response', (h) => resolve(Number(h[':status'])));
    stream.on('error', reject);
  });
  setImmediate(() => stream.end('tail'));
  stream.resume();
  assert.equal(await response, 200);
  await new Promise((resolve) => stream.on('close', resolve));
  const got = backend.requests.find((x) => x.url === '/stream')!;
  assert.equal(got.headers['transfer-encoding'], 'chunked');
  assert.equal(got.body.length, big.length + 4);
  session.close();
});

test('large bodies both ways: 8 MB up, 8 MB down, several at once', async () => {
  const session = connect(h2c);
  const up = Buffer.alloc(8 * 1024 * 1024, 0x63);
  const [a, b] = await Promise.all([request(session, { ':method': 'POST', ':path': '/upload' }, up), request(session, { ':path': `/big/${8 * 1024 * 1024}` })]);
  assert.equal(JSON.parse(a.body.toString()).length, up.length);
  assert.equal(b.status, 200);
  assert.equal(b.body.length, 8 * 1024 * 1024);
  assert.equal(b.headers['content-length'], String(8 * 1024 * 1024));
  session.close();
});

test('a chunked HTTP/1.1 response reaches the HTTP/2 client without hop-by-hop fields', async () => {
  const session = connect(h2c);
  const r = await request(session, { ':path': '/chunked' });
  assert.equal(r.status, 200);
  assert.equal(r.body.toString(), 'one,two');
  assert.equal(r.headers['keep-alive'], undefined);
  assert.equal(r.headers['transfer-encoding'], undefined);
  session.close();
});

test('no route: 404 on the stream, the connection lives on', async () => {
  const backendDown = await startFulcrum(yaml`
    listeners:
      - name: web
        address: 127.0.0.1:0
        http2: { enabled: true }
        routes: [ { match: { pathPrefix: /only/ }, service: app } ]
    services:
      app: { backends: [ { address: 127.0.0.1:1 } ], retries: { attempts: 0 } }
  `);
  try {
    const session = connect(portOf(backendDown));
    assert.equal((await request(session, { ':path': '/nothing' })).status, 404);
    assert.equal((await request(session, { ':path': '/only/x' })).status, 502);
    assert.equal((await request(session, { ':path': '/nothing' })).status, 404);
    session.close();
  } finally {
    await backendDown.close();
  }
});
