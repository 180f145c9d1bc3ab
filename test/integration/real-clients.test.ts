// Real clients against Fulcrum: curl (keep-alive reuse, uploads with a length and chunked)
// and a short wrk run, which must see no socket errors and only 2xx answers.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Fulcrum } from '../../src/fulcrum.js';
import { echoHandler, startHttpBackend, type HttpBackend } from '../helpers/http-backend.js';
import { portOf, startFulcrum, yaml } from '../helpers/fulcrum.js';

function run(command: string, args: string[], timeoutMs = 15_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

describe('real clients', () => {
  let backend: HttpBackend;
  let fulcrum: Fulcrum;
  let base: string;
  let dir: string;
  let payloadFile: string;
  const payload = randomBytes(3 * 1024 * 1024 + 123);

  before(async () => {
    const echo = echoHandler('b');
    backend = await startHttpBackend((req, res, recorded) => {
      if (req.url === '/download') {
        res.writeHead(200, { 'content-type': 'application/octet-stream' }); // no length: chunked
        res.end(payload);
        return;
      }
      echo(req, res, recorded);
    });
    fulcrum = await startFulcrum(yaml`
      listeners:
        - name: web
          address: 127.0.0.1:0
          routes: [ { service: api } ]
      services:
        api:
          backends: [ { address: ${backend.address} } ]
    `);
    base = `http://127.0.0.1:${portOf(fulcrum)}`;
    dir = await mkdtemp(join(tmpdir(), 'fulcrum-clients-'));
    payloadFile = join(dir, 'payload.bin');
    await writeFile(payloadFile, payload);
  });

  after(async () => {
    await fulcrum?.close();
    await backend?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('curl reuses one connection for several requests', async () => {
    const { code, stdout, stderr } = await run('curl', [
      '-sS',
      '-w',
      '%{http_code} %{num_connects}\\n',
      '-o',
      '/dev/null',
      '-o',
      '/dev/null',
      '-o',
      '/dev/null',
      `${base}/a`,
      `${base}/b`,
      `${base}/c`,
    ]);
    assert.equal(code, 0, stderr);
    assert.deepEqual(stdout.trim().split('\n'), ['200 1', '200 0', '200 0'], 'one connect, then reuse');
  });

  test('curl --data-binary: the backend gets the exact bytes', async () => {
    const before = backend.requests.length;
    const { code, stdout, stderr } = await run('curl', ['-sS', '--data-binary', `@${payloadFile}`, `${base}/upload`]);
    assert.equal(code, 0, stderr);
    assert.equal(stdout, `b POST /upload ${payload.length}`);
    const seen = backend.requests[before]!;
    assert.equal(seen.headers['content-length'], String(payload.length));
    assert.equal(sha256(seen.body), sha256(payload));
  });

  test('curl chunked upload (-H "Transfer-Encoding: chunked"): the backend gets the exact bytes, chunked', async () => {
    const before = backend.requests.length;
    const { code, stdout, stderr } = await run('curl', ['-sS', '-H', 'Transfer-Encoding: chunked', '--data-binary', `@${payloadFile}`, `${base}/chunked-upload`]);
    assert.equal(code, 0, stderr);
    assert.equal(stdout, `b POST /chunked-upload ${payload.length}`);
    const seen = backend.requests[before]!;
    assert.equal(seen.headers['transfer-encoding'], 'chunked');
    assert.equal(sha256(seen.body), sha256(payload));
  });

  test('curl download of a chunked body: the exact bytes', async () => {
    const out = join(dir, 'download.bin');
    const { code, stdout, stderr } = await run('curl', ['-sS', '-o', out, '-w', '%{http_code} %{size_download}', `${base}/download`]);
    assert.equal(code, 0, stderr);
    assert.equal(stdout, `200 ${payload.length}`);
    const { readFile } = await import('node:fs/promises');
    assert.equal(sha256(await readFile(out)), sha256(payload));
  });

  test('wrk, 2 s with 20 connections: no socket errors, only 2xx', async () => {
    const { code, stdout, stderr } = await run('wrk', ['-t2', '-c20', '-d2s', `${base}/wrk`], 20_000);
    assert.equal(code, 0, stderr);
    assert.ok(!/Socket errors/.test(stdout), `wrk saw socket errors:\n${stdout}`);
    assert.ok(!/Non-2xx or 3xx responses/.test(stdout), `wrk saw non-2xx answers:\n${stdout}`);
    const requests = Number(/(\d+) requests in/.exec(stdout)?.[1] ?? 0);
    assert.ok(requests > 1000, `only ${requests} requests:\n${stdout}`);
    assert.ok(backend.connections <= 30, `${backend.connections} upstream connections for 20 client connections`);
  });
});
