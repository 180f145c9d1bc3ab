// Static files and compression on HTTP/2 streams (h2c with prior knowledge): the same decisions as
// HTTP/1.1 (validators, ranges, no way out of the root; the compression negotiation), written as
// HTTP/2 responses.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import http2 from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import type { Fulcrum } from '../../src/fulcrum.js';
import { startHttpBackend, type HttpBackend } from '../helpers/http-backend.js';
import { portOf, startFulcrum, yaml } from '../helpers/fulcrum.js';

const SECRET = 'TOP-SECRET-OUTSIDE-THE-ROOT';
const page = '<html>' + 'static content '.repeat(500) + '</html>';
const binary = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 256));
const text = 'compressible text, '.repeat(400);

let dir: string;
let backend: HttpBackend;
let h2Backend: http2.Http2Server;
const h2Sessions = new Set<http2.ServerHttp2Session>();
let fulcrum: Fulcrum;
let session: http2.ClientHttp2Session;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fulcrum-h2-static-'));
  const root = join(dir, 'www');
  mkdirSync(join(root, '%2e%2e'), { recursive: true });
  writeFileSync(join(root, 'index.html'), page);
  writeFileSync(join(root, 'data.bin'), binary);
  writeFileSync(join(root, '%2e%2e', 'decoy.txt'), 'a file really named %2e%2e');
  writeFileSync(join(root, '.env'), 'HIDDEN=1');
  writeFileSync(join(dir, 'secret.txt'), SECRET);
  symlinkSync(join(dir, 'secret.txt'), join(root, 'link-out.txt'));
  symlinkSync(dir, join(root, 'dir-out'));
  backend = await startHttpBackend((req, res) => {
    if (req.url === '/gz/text') res.writeHead(200, { 'content-type': 'text/plain' }).end(text);
    else if (req.url === '/gz/small') res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '4' }).end('tiny');
    else if (req.url === '/gz/png') res.writeHead(200, { 'content-type': 'image/png' }).end(text);
    else if (req.url === '/gz/encoded') res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip' }).end(gzipSync(text));
    else if (req.url === '/gz/chunked') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(text.slice(0, 3000));
      res.end(text.slice(3000));
    } else res.writeHead(404).end();
  });
  h2Backend = http2.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(text);
  });
  h2Backend.on('session', (s: http2.ServerHttp2Session) => h2Sessions.add(s));
  await new Promise<void>((resolve) => h2Backend.listen(0, '127.0.0.1', resolve));
  const h2Port = (h2Backend.address() as { port: number }).port;
  fulcrum = await startFulcrum(yaml`
    listeners:
      - name: web
        address: 127.0.0.1:0
        http2: { enabled: true }
        routes:
          - { match: { pathPrefix: /gz/ }, middlewares: [gz], service: api }
          - { match: { pathPrefix: /h2gz/ }, middlewares: [gz], service: grpcish }
          - { match: { pathPrefix: /assets }, middlewares: [strip, files, gz], service: api }
          - { middlewares: [files], service: api }
    services:
      api: { backends: [ { address: ${backend.address} } ] }
      grpcish: { protocol: h2, backends: [ { address: 127.0.0.1:${h2Port} } ] }
    middlewares:
      strip: { rewrite: { stripPrefix: /assets } }
      files: { static: { root: ${root}, maxAge: 1h, immutable: true } }
      gz: { compress: { minSize: 1kb } }
    log: { level: silent }
  `);
  session = http2.connect(`http://127.0.0.1:${portOf(fulcrum)}`);
  session.on('error', () => {});
});

after(async () => {
  session?.close();
  await fulcrum?.close();
  await backend?.close();
  for (const s of h2Sessions) s.destroy(); // the upstream session stays open until its idle timeout
  await new Promise<void>((resolve) => (h2Backend ? h2Backend.close(() => resolve()) : resolve()));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Reply {
  status: number;
  headers: http2.IncomingHttpHeaders;
  body: Buffer;
}

function get(path: string, extra: http2.OutgoingHttpHeaders = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':path': path, ...extra });
    let headers: http2.IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    stream.on('response', (h) => (headers = h));
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve({ status: Number(headers[':status']), headers, body: Buffer.concat(chunks) }));
    stream.on('error', reject);
  });
}

test('a static file on h2: 200 with type, length, ETag, Last-Modified, Cache-Control; the index', async () => {
  const reply = await get('/data.bin');
  assert.equal(reply.status, 200);
  assert.deepEqual(reply.body, binary);
  assert.equal(reply.headers['content-type'], 'application/octet-stream');
  assert.equal(reply.headers['content-length'], '1000');
  assert.match(String(reply.headers.etag), /^"[0-9a-f]+-3e8"$/);
  assert.ok(reply.headers['last-modified']);
  assert.equal(reply.headers['cache-control'], 'public, max-age=3600, immutable');
  const index = await get('/');
  assert.equal(index.status, 200);
  assert.equal(index.body.toString(), page);
  assert.equal(index.headers['content-type'], 'text/html; charset=utf-8');
});

test('If-None-Match and If-Modified-Since answer 304 without a body', async () => {
  const first = await get('/data.bin');
  const etag = String(first.headers.etag);
  const notModified = await get('/data.bin', { 'if-none-match': etag });
  assert.equal(notModified.status, 304);
  assert.equal(notModified.body.length, 0);
  assert.equal(notModified.headers.etag, etag);
  const since = await get('/data.bin', { 'if-modified-since': String(first.headers['last-modified']) });
  assert.equal(since.status, 304);
  assert.equal((await get('/data.bin', { 'if-none-match': '"other"' })).status, 200);
});

test('Range: 206 with the right bytes, suffix ranges, 416 when unsatisfiable, If-Range', async () => {
  const part = await get('/data.bin', { range: 'bytes=10-19' });
  assert.equal(part.status, 206);
  assert.equal(part.headers['content-range'], 'bytes 10-19/1000');
  assert.equal(part.headers['content-length'], '10');
  assert.deepEqual(part.body, binary.subarray(10, 20));
  const suffix = await get('/data.bin', { range: 'bytes=-5' });
  assert.equal(suffix.status, 206);
  assert.deepEqual(suffix.body, binary.subarray(995));
  const bad = await get('/data.bin', { range: 'bytes=5000-' });
  assert.equal(bad.status, 416);
  assert.equal(bad.headers['content-range'], 'bytes */1000');
  const stale = await get('/data.bin', { range: 'bytes=0-9', 'if-range': '"stale"' });
  assert.equal(stale.status, 200);
  assert.equal(stale.body.length, 1000);
});

test('no way out of the root on h2: .., %2e%2e, %252e, symlinks out; dot files hidden', async () => {
  const attempts: Array<[string, number]> = [
    ['/../secret.txt', 400],
    ['/%2e%2e/secret.txt', 400],
    ['/%2E%2E/%2e%2e/secret.txt', 400],
    ['/%252e%252e/secret.txt', 404],
    ['/x/..%2f..%2fsecret.txt', 400],
    ['/link-out.txt', 403],
    ['/dir-out/secret.txt', 403],
    ['/.env', 404],
  ];
  for (const [path, status] of attempts) {
    const reply = await get(path);
    assert.equal(reply.status, status, path);
    assert.ok(!reply.body.toString().includes(SECRET), path);
  }
  const decoy = await get('/%252e%252e/decoy.txt');
  assert.equal(decoy.status, 200, 'a file literally named %2e%2e is served');
  assert.equal(decoy.body.toString(), 'a file really named %2e%2e');
});

test('HEAD gets the headers only; another method gets 405', async () => {
  const head = await get('/data.bin', { ':method': 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.headers['content-length'], '1000');
  assert.equal(head.body.length, 0);
  const post = await get('/data.bin', { ':method': 'DELETE' });
  assert.equal(post.status, 405);
  assert.equal(post.headers.allow, 'GET, HEAD');
});

test('gzip and br from an HTTP/1.1 backend decode to the original, with vary and no content-length', async () => {
  const gz = await get('/gz/text', { 'accept-encoding': 'gzip' });
  assert.equal(gz.status, 200);
  assert.equal(gz.headers['content-encoding'], 'gzip');
  assert.equal(gz.headers['content-length'], undefined);
  assert.match(String(gz.headers.vary), /accept-encoding/i);
  assert.equal(gunzipSync(gz.body).toString(), text);
  assert.ok(gz.body.length < text.length / 3);
  const br = await get('/gz/text', { 'accept-encoding': 'br, gzip' });
  assert.equal(br.headers['content-encoding'], 'br');
  assert.equal(brotliDecompressSync(br.body).toString(), text);
  const chunked = await get('/gz/chunked', { 'accept-encoding': 'gzip' });
  assert.equal(chunked.headers['content-encoding'], 'gzip');
  assert.equal(gunzipSync(chunked.body).toString(), text);
  const identity = await get('/gz/text');
  assert.equal(identity.headers['content-encoding'], undefined);
  assert.equal(identity.body.toString(), text);
  assert.match(String(identity.headers.vary), /accept-encoding/i);
});

test('small, already encoded and not-allowed types are not compressed; HEAD is not', async () => {
  const small = await get('/gz/small', { 'accept-encoding': 'gzip' });
  assert.equal(small.headers['content-encoding'], undefined);
  assert.equal(small.body.toString(), 'tiny');
  const png = await get('/gz/png', { 'accept-encoding': 'gzip' });
  assert.equal(png.headers['content-encoding'], undefined);
  assert.equal(png.body.toString(), text);
  const encoded = await get('/gz/encoded', { 'accept-encoding': 'br' });
  assert.equal(encoded.headers['content-encoding'], 'gzip');
  assert.equal(gunzipSync(encoded.body).toString(), text, 'not compressed twice');
  const head = await get('/gz/text', { ':method': 'HEAD', 'accept-encoding': 'gzip' });
  assert.equal(head.headers['content-encoding'], undefined);
  assert.equal(head.body.length, 0);
});

test('responses from an h2 backend and static files are compressed on h2', async () => {
  const plain = await get('/h2gz/');
  assert.equal(plain.body.toString(), text);
  const relayed = await get('/h2gz/', { 'accept-encoding': 'gzip' });
  assert.equal(relayed.status, 200);
  assert.equal(relayed.headers['content-encoding'], 'gzip');
  assert.equal(relayed.headers['content-length'], undefined);
  assert.equal(gunzipSync(relayed.body).toString(), text);
  const file = await get('/assets/index.html', { 'accept-encoding': 'br' });
  assert.equal(file.status, 200);
  assert.equal(file.headers['content-encoding'], 'br');
  assert.match(String(file.headers.etag), /^W\//);
  assert.match(String(file.headers.vary), /accept-encoding/i);
  assert.equal(brotliDecompressSync(file.body).toString(), page);
  const range = await get('/assets/index.html', { 'accept-encoding': 'gzip', range: 'bytes=0-5' });
  assert.equal(range.status, 206);
  assert.equal(range.headers['content-encoding'], undefined, 'a 206 is never compressed');
  assert.equal(range.body.toString(), '<html>');
  const notModified = await get('/assets/index.html', { 'accept-encoding': 'gzip', 'if-none-match': String(file.headers.etag) });
  assert.equal(notModified.status, 304);
});
