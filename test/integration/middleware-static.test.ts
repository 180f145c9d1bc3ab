// Static files through a running Fulcrum: validators (304), ranges (206/416), compression, and no
// way out of the root ("..", %2e%2e, %252e, a symlink pointing out), never contacting the service.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Fulcrum } from '../../src/fulcrum.js';
import { startHttpBackend, type HttpBackend } from '../helpers/http-backend.js';
import { portOf, startFulcrum, yaml } from '../helpers/fulcrum.js';
import { request } from '../helpers/http-get.js';
import { rawRequest } from '../helpers/raw-client.js';

const SECRET = 'TOP-SECRET-OUTSIDE-THE-ROOT';

function curl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('curl', args, { timeout: 15_000 }, (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }));
  });
}

describe('middlewares: static files', () => {
  let backend: HttpBackend;
  let fulcrum: Fulcrum;
  let port: number;
  let dir: string;
  const page = '<html>' + 'static content '.repeat(500) + '</html>';
  const binary = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 256));

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fulcrum-static-'));
    const root = join(dir, 'www');
    mkdirSync(join(root, 'docs'), { recursive: true });
    mkdirSync(join(root, '%2e%2e'), { recursive: true });
    writeFileSync(join(root, 'index.html'), page);
    writeFileSync(join(root, 'docs', 'index.html'), 'docs index');
    writeFileSync(join(root, 'data.bin'), binary);
    writeFileSync(join(root, '%2e%2e', 'decoy.txt'), 'a file really named %2e%2e');
    writeFileSync(join(root, '.env'), 'HIDDEN=1');
    writeFileSync(join(dir, 'secret.txt'), SECRET);
    symlinkSync(join(dir, 'secret.txt'), join(root, 'link-out.txt'));
    symlinkSync(dir, join(root, 'dir-out'));
    symlinkSync(join(root, 'data.bin'), join(root, 'link-in.bin'));
    backend = await startHttpBackend();
    fulcrum = await startFulcrum(yaml`
      listeners:
        - name: web
          address: 127.0.0.1:0
          routes:
            - { match: { pathPrefix: /assets }, middlewares: [strip, files, gz], service: api }
            - { middlewares: [files], service: api }
      services:
        api:
          backends: [ { address: ${backend.address} } ]
      middlewares:
        strip: { rewrite: { stripPrefix: /assets } }
        files: { static: { root: ${root}, maxAge: 1h, immutable: true } }
        gz: { compress: {} }
    `);
    port = portOf(fulcrum);
  });

  after(async () => {
    await fulcrum?.close();
    await backend?.close();
    assert.equal(backend?.requests.length, 0, 'a static route never contacts its service');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('a file with type, length, ETag, Last-Modified, Cache-Control; a directory serves its index', async () => {
    const got = await request(port, '/index.html');
    assert.equal(got.status, 200);
    assert.equal(got.body.toString(), page);
    assert.equal(got.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(got.headers['content-length'], String(page.length));
    assert.match(got.headers.etag!, /^"[0-9a-f]+-[0-9a-f]+"$/);
    assert.ok(got.headers['last-modified']);
    assert.equal(got.headers['cache-control'], 'public, max-age=3600, immutable');
    assert.equal(got.headers['accept-ranges'], 'bytes');
    assert.equal((await request(port, '/')).body.toString(), page);
    assert.equal((await request(port, '/docs/')).body.toString(), 'docs index');
    const bare = await request(port, '/docs?x=1');
    assert.equal(bare.status, 301);
    assert.equal(bare.headers.location, '/docs/?x=1');
    // behind stripPrefix the redirect stays inside the route (not /docs/, outside /assets)
    const stripped = await request(port, '/assets/docs?x=1');
    assert.equal(stripped.status, 301);
    assert.equal(stripped.headers.location, '/assets/docs/?x=1');
    assert.equal((await request(port, stripped.headers.location!)).body.toString(), 'docs index');
    assert.equal((await request(port, '/missing.txt')).status, 404);
    assert.equal((await request(port, '/index.html', {}, 'POST', 'x')).status, 405);
    const head = await request(port, '/data.bin', {}, 'HEAD');
    assert.equal(head.headers['content-length'], '1000');
    assert.equal(head.body.length, 0);
  });

  test('If-None-Match and If-Modified-Since answer 304 without a body', async () => {
    const first = await request(port, '/data.bin');
    const etag = first.headers.etag!;
    const byTag = await request(port, '/data.bin', { 'if-none-match': etag });
    assert.equal(byTag.status, 304);
    assert.equal(byTag.body.length, 0);
    assert.equal(byTag.headers.etag, etag);
    assert.equal((await request(port, '/data.bin', { 'if-none-match': '"other"' })).status, 200);
    const byDate = await request(port, '/data.bin', { 'if-modified-since': first.headers['last-modified']! });
    assert.equal(byDate.status, 304);
    assert.equal((await request(port, '/data.bin', { 'if-modified-since': 'Thu, 01 Jan 1970 00:00:00 GMT' })).status, 200);
    // If-None-Match wins over If-Modified-Since
    assert.equal((await request(port, '/data.bin', { 'if-none-match': '"other"', 'if-modified-since': first.headers['last-modified']! })).status, 200);
  });

  test('Range: 206 with Content-Range, suffix ranges, 416 when unsatisfiable, If-Range', async () => {
    const part = await request(port, '/data.bin', { range: 'bytes=10-19' });
    assert.equal(part.status, 206);
    assert.equal(part.headers['content-range'], 'bytes 10-19/1000');
    assert.ok(part.body.equals(binary.subarray(10, 20)));
    const tail = await request(port, '/data.bin', { range: 'bytes=-5' });
    assert.ok(tail.body.equals(binary.subarray(995)));
    const none = await request(port, '/data.bin', { range: 'bytes=5000-' });
    assert.equal(none.status, 416);
    assert.equal(none.headers['content-range'], 'bytes */1000');
    const etag = part.headers.etag!;
    assert.equal((await request(port, '/data.bin', { range: 'bytes=0-0', 'if-range': etag })).status, 206);
    assert.equal((await request(port, '/data.bin', { range: 'bytes=0-0', 'if-range': '"stale"' })).status, 200);
    const { code, stdout } = await curl(['-s', '-r', '100-199', `http://127.0.0.1:${port}/data.bin`, '-o', '-', '-w', '\n%{http_code}']);
    assert.equal(code, 0);
    assert.ok(stdout.endsWith('\n206'));
  });

  test('no way out of the root: .., %2e%2e, %252e, encoded slashes, symlinks out; dot files hidden', async () => {
    const attempts = [
      '/../secret.txt',
      '/docs/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/%2E%2E/%2e%2e/secret.txt',
      '/docs/%2e%2e/%2e%2e/secret.txt',
      '/..%2fsecret.txt',
      '/%252e%252e/secret.txt',
      '/link-out.txt',
      '/dir-out/secret.txt',
      '/.env',
    ];
    for (const path of attempts) {
      const got = await rawRequest(port, `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      assert.ok(got.status >= 400 && got.status < 500, `${path} answered ${got.status}`);
      assert.ok(!got.body.toString().includes(SECRET), `${path} leaked the secret`);
      assert.ok(!got.body.toString().includes('HIDDEN'), `${path} served a dot file`);
    }
    const curled = await curl(['-s', '--path-as-is', `http://127.0.0.1:${port}/../../secret.txt`]);
    assert.ok(!curled.stdout.includes(SECRET));
    // %252e decodes once, to a real directory named "%2e%2e" inside the root
    const decoy = await request(port, '/%252e%252e/decoy.txt');
    assert.equal(decoy.body.toString(), 'a file really named %2e%2e');
    // a symlink that stays inside the root is followed
    assert.ok((await request(port, '/link-in.bin')).body.equals(binary));
  });

  test('compression applies to static files on a route that has it', async () => {
    const got = await request(port, '/assets/index.html', { 'accept-encoding': 'gzip' });
    assert.equal(got.status, 200);
    assert.equal(got.headers['content-encoding'], 'gzip');
    assert.equal(got.headers.vary, 'Accept-Encoding');
    assert.equal(gunzipSync(got.body).toString(), page);
    const ranged = await request(port, '/assets/index.html', { 'accept-encoding': 'gzip', range: 'bytes=0-4' });
    assert.equal(ranged.status, 206);
    assert.equal(ranged.headers['content-encoding'], undefined);
    assert.equal(ranged.body.toString(), '<html');
  });
});
