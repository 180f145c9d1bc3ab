import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { request } from 'undici';
import { startHttpBackend, type HttpBackend } from '../helpers/http-backend.js';
import { startFulcrum, yaml } from '../helpers/fulcrum.js';
import { startAdmin } from '../helpers/admin.js';
import { parseExposition, sampleValue } from '../helpers/prometheus-format.js';
import type { Fulcrum } from '../../src/fulcrum.js';
import type { AdminServer } from '../../src/admin/server.js';

describe('/metrics and the access log', () => {
  let backend: HttpBackend;
  let fulcrum: Fulcrum;
  let admin: AdminServer;
  let adminUrl: string;
  let base: string;
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fulcrum-access-'));
  const logFile = path.join(logDir, 'access.log');

  before(async () => {
    backend = await startHttpBackend((req, res) => {
      res.statusCode = req.url?.endsWith('/missing') ? 404 : 200;
      res.end('x'.repeat(100));
    });
    fulcrum = await startFulcrum(yaml`
      admin: { address: 127.0.0.1:0 }
      listeners:
        - name: web
          address: 127.0.0.1:0
          routes:
            - { match: { pathPrefix: /api/ }, service: app }
            - { match: { pathPrefix: /down/ }, service: down }
      services:
        app:
          backends: [ { address: ${backend.address} } ]
        down:
          backends: [ { address: ${backend.address}, weight: 0 } ]
      log:
        level: silent
        access: { destination: ${logFile}, fields: [listener, route, service, backend, method, path, query, status, bytesOut, requestId] }
    `);
    ({ admin, url: adminUrl } = await startAdmin(fulcrum));
    base = fulcrum.url('web');
  });

  after(async () => {
    await admin.close();
    await fulcrum.close();
    await backend.close();
    fs.rmSync(logDir, { recursive: true, force: true });
  });

  test('counts requests by route, backend and status class, with a consistent histogram', async () => {
    for (let i = 0; i < 10; i++) assert.equal(await request(`${base}/api/ok`).then(async (r) => (await r.body.text(), r.statusCode)), 200);
    for (let i = 0; i < 2; i++) assert.equal(await request(`${base}/api/missing`).then(async (r) => (await r.body.text(), r.statusCode)), 404);
    assert.equal(await request(`${base}/down/x`).then(async (r) => (await r.body.text(), r.statusCode)), 503);
    assert.equal(await request(`${base}/nowhere`).then(async (r) => (await r.body.text(), r.statusCode)), 404);

    const res = await request(`${adminUrl}/metrics`);
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    const exposition = parseExposition(await res.body.text());

    const series = { listener: 'web', route: '0', service: 'app', backend: backend.address };
    assert.equal(sampleValue(exposition, 'fulcrum_requests_total', { ...series, code: '2xx' }), 10);
    assert.equal(sampleValue(exposition, 'fulcrum_requests_total', { ...series, code: '4xx' }), 2);
    assert.equal(sampleValue(exposition, 'fulcrum_request_duration_seconds_count', series), 12);
    assert.ok(sampleValue(exposition, 'fulcrum_request_duration_seconds_sum', series)! > 0);
    // 12 responses of 100 body bytes plus their heads
    assert.ok(sampleValue(exposition, 'fulcrum_sent_bytes_total', series)! > 1200);
    assert.ok(sampleValue(exposition, 'fulcrum_received_bytes_total', series)! > 12 * 20);
    // answered by Fulcrum itself: no backend label value
    assert.equal(sampleValue(exposition, 'fulcrum_requests_total', { route: '1', service: 'down', backend: '', code: '5xx' }), 1);
    assert.equal(sampleValue(exposition, 'fulcrum_no_backend_total', { service: 'down' }), 1);
    assert.equal(exposition.types.get('fulcrum_requests_total'), 'counter');
    assert.equal(exposition.types.get('fulcrum_request_duration_seconds'), 'histogram');

    assert.equal(sampleValue(exposition, 'fulcrum_backend_up', { service: 'app', backend: backend.address }), 1);
    assert.equal(sampleValue(exposition, 'fulcrum_backend_weight', { service: 'down', backend: backend.address }), 0);
    assert.equal(sampleValue(exposition, 'fulcrum_backend_inflight_requests', { service: 'app', backend: backend.address }), 0);
    assert.ok(sampleValue(exposition, 'fulcrum_connections_total', { listener: 'web' })! >= 1);
    assert.ok(sampleValue(exposition, 'fulcrum_process_cpu_seconds_total', {})! > 0, 'process metrics are exposed');
  });

  test('writes one JSON line per request with the configured fields', async () => {
    await request(`${base}/api/logged?x=1`, { headers: { 'x-request-id': 'abc-123' } }).then((r) => r.body.text());
    // the line is written when the exchange ends, which may be just after the client has the last byte
    const readLines = () => {
      fulcrum.observers.accessLog!.flush();
      return fs
        .readFileSync(logFile, 'utf8')
        .trim()
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l));
    };
    let lines = readLines();
    for (const deadline = Date.now() + 2000; !lines.some((l) => l.path === '/api/logged') && Date.now() < deadline; lines = readLines()) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    const line = lines.find((l) => l.path === '/api/logged');
    assert.deepEqual(line, {
      listener: 'web',
      route: '0',
      service: 'app',
      backend: backend.address,
      method: 'GET',
      path: '/api/logged',
      query: 'x=1',
      status: 200,
      bytesOut: line.bytesOut,
      requestId: 'abc-123',
    });
    assert.ok(line.bytesOut > 100);
    const refusedByBalancer = lines.find((l) => l.path === '/down/x');
    assert.equal(refusedByBalancer.status, 503);
    assert.equal(refusedByBalancer.backend, null);
  });
});
