// Large bodies stream through Fulcrum with backpressure: a fast writer on one side, a slow
// reader on the other, and Fulcrum (a child process, as `fulcrum start` runs it) must keep
// its memory bounded instead of buffering the difference.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startHttpBackend, type HttpBackend } from '../helpers/http-backend.js';
import { startFulcrumProcess, type FulcrumProcess } from '../helpers/fulcrum-process.js';
import { mb, RssSampler } from '../helpers/rss-sampler.js';
import { readThrottled, writeBytes } from '../helpers/streaming.js';
import { yaml } from '../helpers/fulcrum.js';

const SIZE = Number(process.env.FULCRUM_LARGE_MB ?? 1024) * 1024 * 1024;
/** the slow side reads at this rate; the fast side writes as fast as it is let */
const SLOW_RATE = Number(process.env.FULCRUM_SLOW_MBPS ?? 200) * 1024 * 1024;
/**
 * How far Fulcrum's RSS may grow over its first sample while 1 GB passes. Growth, not the absolute
 * figure: the runtime's own footprint differs (Node 20 starts near 66 MB, Node 24 near 100 MB), and
 * between collections Node 24 keeps more spent 64 KB read buffers (external memory, freed at the next
 * GC: up to ~65 MB here vs ~20 MB on Node 20). A relay that stopped applying backpressure would grow
 * by hundreds of MB: the fast side writes several times faster than the slow side reads.
 */
const RSS_GROWTH_LIMIT = 100 * 1024 * 1024;

describe(`large transfers (${mb(SIZE)} MB each way)`, () => {
  let backend: HttpBackend;
  let fulcrum: FulcrumProcess;
  let port: number;
  let uploadReceived: Promise<number> = Promise.resolve(0);

  before(async () => {
    backend = await startHttpBackend(
      (req, res) => {
        if (req.url === '/download') {
          // no Content-Length: the body reaches Fulcrum chunked
          res.writeHead(200, { 'content-type': 'application/octet-stream' });
          void writeBytes(res, SIZE).catch(() => {});
          return;
        }
        // the upload: read slowly, then say how much arrived
        uploadReceived = readThrottled(req, SLOW_RATE);
        void uploadReceived.then(
          (n) => res.end(String(n)),
          () => res.destroy(),
        );
      },
      { recordBodies: false },
    );
    fulcrum = await startFulcrumProcess(yaml`
      log: { level: info }
      listeners:
        - name: web
          address: 127.0.0.1:0
          limits: { maxBodyBytes: 0 }
          routes: [ { service: api } ]
      services:
        api:
          backends: [ { address: ${backend.address} } ]
          timeouts: { response: 60s }
    `);
    port = fulcrum.ports.get('web')!;
  });

  after(async () => {
    await fulcrum?.stop();
    await backend?.close();
  });

  test('download: a fast backend, a slow client; Fulcrum RSS stays bounded', { timeout: 30_000 }, async (t) => {
    const sampler = new RssSampler(fulcrum.pid);
    const started = Date.now();
    const received = await new Promise<number>((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port, path: '/download', agent: false }, (res) => {
        assert.equal(res.statusCode, 200);
        assert.equal(res.headers['transfer-encoding'], 'chunked');
        readThrottled(res, SLOW_RATE).then(resolve, reject);
      });
      req.on('error', reject);
    });
    const peak = sampler.stop();
    const seconds = (Date.now() - started) / 1000;
    t.diagnostic(`download ${mb(SIZE)} MB in ${seconds.toFixed(1)} s; Fulcrum RSS first ${mb(sampler.samples[0]!)} MB, peak ${mb(peak)} MB (${sampler.samples.length} samples)`);
    assert.equal(received, SIZE);
    assert.ok(peak - sampler.samples[0]! < RSS_GROWTH_LIMIT, `Fulcrum RSS grew from ${mb(sampler.samples[0]!)} MB to ${mb(peak)} MB`);
  });

  test('upload: a fast client, a slow backend; Fulcrum RSS stays bounded', { timeout: 30_000 }, async (t) => {
    const sampler = new RssSampler(fulcrum.pid);
    const started = Date.now();
    const answer = await new Promise<string>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path: '/upload', method: 'POST', agent: false, headers: { 'content-length': SIZE } }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (text: string) => (body += text));
        res.on('end', () => resolve(`${res.statusCode} ${body}`));
      });
      req.on('error', reject);
      writeBytes(req, SIZE).catch(reject);
    });
    const peak = sampler.stop();
    const seconds = (Date.now() - started) / 1000;
    t.diagnostic(`upload ${mb(SIZE)} MB in ${seconds.toFixed(1)} s; Fulcrum RSS first ${mb(sampler.samples[0]!)} MB, peak ${mb(peak)} MB (${sampler.samples.length} samples)`);
    assert.equal(answer, `200 ${SIZE}`);
    assert.equal(await uploadReceived, SIZE);
    assert.ok(peak - sampler.samples[0]! < RSS_GROWTH_LIMIT, `Fulcrum RSS grew from ${mb(sampler.samples[0]!)} MB to ${mb(peak)} MB`);
  });
});
