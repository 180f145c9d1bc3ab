// Compression through a running Fulcrum: gzip and brotli bodies decode to the original (node
// clients and curl --compressed), and what must not be compressed is not.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import type { Fulcrum } from '../../src/fulcrum.js';
import { startHttpBackend, type HttpBackend } from '../helpers/http-backend.js';
import { portOf, startFulcrum, yaml } from '../helpers/fulcrum.js';
import { request } from '../helpers/http-get.js';
import { RawClient } from '../helpers/raw-client.js';

const text = Array.from({ length: 4000 }, (_, i) => `line ${i}: the quick brown fox ${i % 17}\n`).join('');
const big = Buffer.from(Array.from({ length: 60_000 }, (_, i) => `{"n":${i},"v":"${randomBytes(4).toString('hex')}"}\n`).join(''));

function curl(args: string[]): Promise<{ code: number; stdout: Buffer; stderr: string }> {
  return new Promise((resolve) => {
    execFile('curl', args, { encoding: 'buffer', timeout: 15_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr: stderr.toString() });
    });
  });
}

describe('middlewares: compression', () => {
  let backend: HttpBackend;
  let fulcrum: Fulcrum;
  let port: number;

  before(async () => {
    backend = await startHttpBackend((req, res) => {
      switch (req.url) {
        case '/text':
          res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text), etag: '"v1"', 'accept-ranges': 'bytes' });
          return void res.end(text);
        case '/chunked': // no length: chunked from the backend, in several pieces
          res.writeHead(200, { 'content-type': 'application/json', trailer: 'x-sum' });
          for (let i = 0; i < big.length; i += 100_000) res.write(big.subarray(i, i + 100_000));
          res.addTrailers({ 'x-sum': 'abc' });
          return void res.end();
        case '/small':
          res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 5 });
          return void res.end('small');
        case '/image':
          res.writeHead(200, { 'content-type': 'image/png', 'content-length': text.length });
          return void res.end(text);
        case '/encoded': {
          const gz = gzipSync(text);
          res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip', 'content-length': gz.length });
          return void res.end(gz);
        }
        case '/no-transform':
          res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'no-transform', 'content-length': Buffer.byteLength(text) });
          return void res.end(text);
        case '/vary':
          res.writeHead(200, { 'content-type': 'text/html', vary: 'Cookie', 'content-length': Buffer.byteLength(text) });
          return void res.end(text);
        default:
          res.writeHead(404, { 'content-length': 0 });
          return void res.end();
      }
    });
    fulcrum = await startFulcrum(yaml`
      listeners:
        - name: web
          address: 127.0.0.1:0
          routes:
            - { match: { pathPrefix: /plain }, service: api }
            - { middlewares: [gz], service: api }
      services:
        api:
          backends: [ { address: ${backend.address} } ]
      middlewares:
        gz: { compress: { minSize: 1kb } }
    `);
    port = portOf(fulcrum);
  });

  after(async () => {
    await fulcrum?.close();
    await backend?.close();
  });

  test('gzip: the body decodes to the original; Content-Length dropped, Vary added, ETag weakened, no Accept-Ranges', async () => {
    const got = await request(port, '/text', { 'accept-encoding': 'gzip' });
    assert.equal(got.status, 200);
    assert.equal(got.headers['content-encoding'], 'gzip');
    assert.equal(got.headers['content-length'], undefined);
    assert.equal(got.headers['transfer-encoding'], 'chunked');
    assert.equal(got.headers.vary, 'Accept-Encoding');
    assert.equal(got.headers.etag, 'W/"v1"');
    assert.equal(got.headers['accept-ranges'], undefined);
    assert.ok(got.body.length < Buffer.byteLength(text) / 3, `compressed to ${got.body.length}`);
    assert.equal(gunzipSync(got.body).toString(), text);
  });

  test('brotli: preferred when offered, decodes to the original', async () => {
    const got = await request(port, '/text', { 'accept-encoding': 'gzip, deflate, br' });
    assert.equal(got.headers['content-encoding'], 'br');
    assert.equal(brotliDecompressSync(got.body).toString(), text);
  });

  test('a chunked multi-megabyte body streams through both codings intact, trailers kept', async () => {
    for (const [encoding, decode] of [
      ['gzip', gunzipSync],
      ['br', brotliDecompressSync],
    ] as const) {
      const got = await request(port, '/chunked', { 'accept-encoding': encoding });
      assert.equal(got.headers['content-encoding'], encoding);
      assert.ok(decode(got.body).equals(big), `${encoding} decodes to the original`);
    }
  });

  test('curl --compressed gets the original bytes, and reuses its connection', async () => {
    const url = `http://127.0.0.1:${port}`;
    const { code, stdout, stderr } = await curl(['-sS', '--compressed', '-w', '\\n%{num_connects} %{size_download}', `${url}/text`, `${url}/chunked`]);
    assert.equal(code, 0, stderr);
    const out = stdout.toString();
    assert.ok(out.startsWith(text), 'first body decoded');
    assert.ok(out.includes(big.toString()), 'second body decoded');
    const counts = out.match(/\n(\d+) (\d+)/g)!.map((l) => l.trim().split(' ').map(Number));
    assert.deepEqual(
      counts.map(([connects]) => connects),
      [1, 0],
    );
    assert.ok(counts[0]![1]! < Buffer.byteLength(text) / 3, 'downloaded compressed');
  });

  test('an HTTP/1.0 client gets a close-delimited compressed body', async () => {
    const client = await RawClient.connect(port);
    await client.write('GET /text HTTP/1.0\r\nAccept-Encoding: gzip\r\n\r\n');
    const got = await client.response();
    assert.equal(got.headers['content-encoding'], 'gzip');
    assert.equal(got.framing, 'close');
    assert.equal(gunzipSync(got.body).toString(), text);
    client.close();
  });

  test('not compressed: small bodies, types outside the list, already encoded, no-transform, clients without Accept-Encoding', async () => {
    const small = await request(port, '/small', { 'accept-encoding': 'gzip' });
    assert.equal(small.headers['content-encoding'], undefined);
    assert.equal(small.body.toString(), 'small');
    const image = await request(port, '/image', { 'accept-encoding': 'gzip' });
    assert.equal(image.headers['content-encoding'], undefined);
    assert.equal(image.headers.vary, undefined);
    const encoded = await request(port, '/encoded', { 'accept-encoding': 'gzip, br' });
    assert.equal(encoded.headers['content-encoding'], 'gzip');
    assert.equal(gunzipSync(encoded.body).toString(), text, 'encoded once, not twice');
    const noTransform = await request(port, '/no-transform', { 'accept-encoding': 'gzip' });
    assert.equal(noTransform.headers['content-encoding'], undefined);
    const identity = await request(port, '/text');
    assert.equal(identity.headers['content-encoding'], undefined);
    assert.equal(identity.headers['content-length'], String(Buffer.byteLength(text)));
    assert.equal(identity.headers.vary, 'Accept-Encoding', 'Vary even when this client did not ask');
    const refused = await request(port, '/text', { 'accept-encoding': 'gzip;q=0, br;q=0' });
    assert.equal(refused.headers['content-encoding'], undefined);
  });

  test('Vary keeps what the backend said; a route without the middleware is untouched', async () => {
    const vary = await request(port, '/vary', { 'accept-encoding': 'gzip' });
    assert.equal(vary.headers.vary, 'Cookie, Accept-Encoding');
    const plain = await request(port, '/plain', { 'accept-encoding': 'gzip' });
    assert.equal(plain.status, 404);
    assert.equal(plain.headers.vary, undefined);
  });

  test('HEAD gets the head only: Vary, no Content-Encoding', async () => {
    const head = await request(port, '/text', { 'accept-encoding': 'gzip' }, 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.headers['content-encoding'], undefined);
    assert.equal(head.headers.vary, 'Accept-Encoding');
    assert.equal(head.body.length, 0);
  });
});
