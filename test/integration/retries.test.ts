// retries.on: timeout and 5xx send an idempotent, bodiless request to the next backend;
// anything else is answered as it came.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { startHttpBackend, type HttpBackend } from '../helpers/http-backend.js';
import { startFulcrum, yaml } from '../helpers/fulcrum.js';
import type { Fulcrum } from '../../src/fulcrum.js';

describe('retries.on timeout and 5xx', () => {
  let failing: HttpBackend;
  let hanging: HttpBackend;
  let healthy: HttpBackend;
  let fulcrum: Fulcrum;
  let base: string;

  before(async () => {
    failing = await startHttpBackend((_req, res) => {
      res.statusCode = 503;
      res.end('failing');
    });
    hanging = await startHttpBackend(() => {
      /* never answers */
    });
    healthy = await startHttpBackend((_req, res) => res.end('healthy'));
    fulcrum = await startFulcrum(yaml`
      listeners:
        - name: web
          address: 127.0.0.1:0
          routes:
            - { match: { pathPrefix: /5xx/ }, service: fivexx }
            - { match: { pathPrefix: /slow/ }, service: slow }
            - { match: { pathPrefix: /no-retry/ }, service: plain }
      services:
        fivexx:
          algorithm: round-robin
          backends: [ { address: ${failing.address} }, { address: ${healthy.address} } ]
          retries: { attempts: 1, on: [connect-failure, 5xx] }
        slow:
          algorithm: round-robin
          backends: [ { address: ${hanging.address} }, { address: ${healthy.address} } ]
          retries: { attempts: 1, on: [connect-failure, timeout] }
          timeouts: { response: 300ms }
        plain:
          backends: [ { address: ${failing.address} }, { address: ${healthy.address} } ]
          retries: { attempts: 1, on: [connect-failure] }
      log: { level: silent }
    `);
    base = fulcrum.url('web');
  });

  after(async () => {
    await fulcrum.close();
    await Promise.all([failing.close(), hanging.close(), healthy.close()]);
  });

  async function get(path: string, method: 'GET' | 'POST' = 'GET'): Promise<{ status: number; body: string }> {
    const res = await request(base + path, { method });
    return { status: res.statusCode, body: await res.body.text() };
  }

  test('a 5xx answer to a GET is tried on the next backend', async () => {
    const before = failing.requests.length;
    for (let i = 0; i < 4; i++) assert.deepEqual(await get('/5xx/x'), { status: 200, body: 'healthy' });
    assert.ok(failing.requests.length > before, 'the failing backend was asked (and its 503 dropped)');
  });

  test('a 5xx answer to a POST is relayed, never sent twice', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 4; i++) {
      const { status, body } = await get('/5xx/p', 'POST');
      seen.add(`${status} ${body}`);
    }
    assert.ok(seen.has('503 failing'), 'POST got the backend answer as it came');
  });

  test('a response timeout on a GET is tried on the next backend', async () => {
    const started = Date.now();
    for (let i = 0; i < 2; i++) assert.deepEqual(await get('/slow/x'), { status: 200, body: 'healthy' });
    assert.ok(hanging.requests.length >= 1, 'the hanging backend got a request');
    assert.ok(Date.now() - started < 3000);
  });

  test('without 5xx in retries.on the 503 is relayed', async () => {
    const statuses = new Set<number>();
    for (let i = 0; i < 4; i++) statuses.add((await get('/no-retry/x')).status);
    assert.ok(statuses.has(503));
  });
});
