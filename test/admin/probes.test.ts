// GET /livez and GET /readyz: no token, 200/503 with the reasons; not ready when a service has
// no backend that can serve, and from the first moment of a stop (in process and on SIGTERM).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { request } from 'undici';
import type { Fulcrum } from '../../src/fulcrum.js';
import type { AdminServer } from '../../src/admin/server.js';
import { startFulcrum, yaml } from '../helpers/fulcrum.js';
import { adminCall, startAdmin } from '../helpers/admin.js';
import { startSwitchableBackend, until, type SwitchableBackend } from '../helpers/health.js';
import { startFulcrumProcess } from '../helpers/fulcrum-process.js';

const TOKEN = 'probe-test-token';

describe('/livez and /readyz', () => {
  let a: SwitchableBackend;
  let b: SwitchableBackend;
  let fulcrum: Fulcrum;
  let admin: AdminServer;
  let url: string;

  before(async () => {
    [a, b] = await Promise.all([startSwitchableBackend('a'), startSwitchableBackend('b')]);
    fulcrum = await startFulcrum(yaml`
      admin: { address: 127.0.0.1:0, token: ${TOKEN} }
      listeners:
        - name: web
          address: 127.0.0.1:0
          routes: [ { match: { pathPrefix: /b/ }, service: beta }, { service: alpha } ]
      services:
        alpha:
          backends: [ { address: ${a.address} } ]
          healthCheck: { type: http, path: /healthz, interval: 50ms, timeout: 40ms, healthyThreshold: 1, unhealthyThreshold: 1 }
        beta:
          backends: [ { name: bravo, address: ${b.address} } ]
    `);
    ({ admin, url } = await startAdmin(fulcrum));
  });

  after(async () => {
    await admin.close();
    await fulcrum.close();
    await Promise.all([a.close(), b.close()]);
  });

  test('livez answers 200 without a token; the API still wants one', async () => {
    const live = await adminCall(url, 'GET', '/livez');
    assert.equal(live.status, 200);
    assert.deepEqual(live.body, { live: true });
    assert.equal(live.headers['cache-control'], 'no-store');
    assert.equal((await adminCall(url, 'GET', '/api/v1/services')).status, 401);
  });

  test('readyz answers 200 with no reasons when every listener is bound and every service can serve', async () => {
    const ready = await adminCall(url, 'GET', '/readyz');
    assert.equal(ready.status, 200);
    assert.deepEqual(ready.body, { ready: true, reasons: [] });
    const head = await request(url + '/readyz', { method: 'HEAD' });
    assert.equal(head.statusCode, 200);
    assert.equal(await head.body.text(), '');
  });

  test('other methods are refused with 405 and Allow', async () => {
    const res = await adminCall(url, 'POST', '/readyz', {});
    assert.equal(res.status, 405);
    assert.equal(res.headers.allow, 'GET, HEAD');
  });

  test('a service whose only backend fails its health check makes the instance not ready, and ready again when it recovers', async () => {
    a.mode = 'fail';
    await until(async () => (await adminCall(url, 'GET', '/readyz')).status === 503, 3000, 'readyz 503');
    const res = await adminCall(url, 'GET', '/readyz');
    assert.deepEqual(res.body, { ready: false, reasons: ['service alpha: no backend can serve (1 unhealthy)'] });
    a.mode = 'ok';
    await until(async () => (await adminCall(url, 'GET', '/readyz')).status === 200, 3000, 'readyz 200 again');
  });

  test('a service whose backends are all drained is not ready', async () => {
    const auth = { authorization: `Bearer ${TOKEN}` };
    assert.equal((await adminCall(url, 'PATCH', '/api/v1/services/beta/backends/bravo', { drain: true }, auth)).status, 200);
    const res = await adminCall(url, 'GET', '/readyz');
    assert.equal(res.status, 503);
    assert.deepEqual(res.body.reasons, ['service beta: no backend can serve (1 draining)']);
    assert.equal((await adminCall(url, 'PATCH', '/api/v1/services/beta/backends/bravo', { drain: false }, auth)).status, 200);
    assert.equal((await adminCall(url, 'GET', '/readyz')).status, 200);
  });

  test('readyz answers 503 as soon as a stop begins (the last test: it stops this Fulcrum)', async () => {
    const stopped = fulcrum.stop(2000);
    const res = await adminCall(url, 'GET', '/readyz');
    assert.equal(res.status, 503);
    assert.equal(res.body.ready, false);
    assert.match(res.body.reasons[0], /^stopping: /);
    assert.equal((await adminCall(url, 'GET', '/livez')).status, 200, 'still live while stopping');
    await stopped;
  });
});

describe('/readyz on SIGTERM (fulcrum start)', () => {
  test('the admin API answers 503 through the drain, then the process exits 0', async () => {
    // a backend that answers only when told, so the stop has a request to drain
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let received = 0;
    const backend = http.createServer((req, res) => {
      received++;
      req.resume();
      void released.then(() => res.end('late'));
    });
    await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
    const backendPort = (backend.address() as { port: number }).port;
    const proc = await startFulcrumProcess(
      yaml`
        admin: { address: 127.0.0.1:0 }
        log: { level: info }
        listeners: [ { name: web, address: 127.0.0.1:0, routes: [ { service: api } ] } ]
        services: { api: { drainTimeout: 10s, backends: [ { address: 127.0.0.1:${backendPort} } ] } }
      `,
    );
    try {
      await until(() => proc.log().includes('admin API listening'), 5000, 'admin listening');
      const adminLine = proc
        .log()
        .split('\n')
        .find((line) => line.includes('admin API listening'))!;
      const adminUrl = `http://${(JSON.parse(adminLine) as { address: string }).address}`;
      assert.equal((await adminCall(adminUrl, 'GET', '/readyz')).status, 200);
      const inFlight = request(`http://127.0.0.1:${proc.ports.get('web')}/held`).then((res) => res.body.text());
      await until(() => received === 1, 3000, 'the request at the backend');
      proc.child.kill('SIGTERM');
      await until(async () => (await adminCall(adminUrl, 'GET', '/readyz').catch(() => ({ status: 0 }))).status === 503, 3000, 'readyz 503 after SIGTERM');
      release();
      assert.equal(await inFlight, 'late', 'the request in flight got its answer');
      assert.equal(await proc.exited, 0);
    } finally {
      release();
      await proc.stop();
      await new Promise<void>((resolve) => backend.close(() => resolve()));
    }
  });
});

describe('--accept-grace (fulcrum start)', () => {
  test('on SIGTERM /readyz answers 503 at once while new connections are still served, then the listener closes', async () => {
    const backend = http.createServer((req, res) => {
      req.resume();
      res.end('ok');
    });
    await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
    const backendPort = (backend.address() as { port: number }).port;
    const proc = await startFulcrumProcess(
      yaml`
        admin: { address: 127.0.0.1:0 }
        log: { level: info }
        listeners: [ { name: web, address: 127.0.0.1:0, routes: [ { service: api } ] } ]
        services: { api: { backends: [ { address: 127.0.0.1:${backendPort} } ] } }
      `,
      1,
      10_000,
      ['--accept-grace', '1500ms'],
    );
    const get = (path: string) =>
      new Promise<number>((resolve) => {
        const req = http.get({ host: '127.0.0.1', port: proc.ports.get('web'), path, agent: false }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', () => resolve(0));
      });
    try {
      await until(() => proc.log().includes('admin API listening'), 5000, 'admin listening');
      const adminLine = proc
        .log()
        .split('\n')
        .find((line) => line.includes('admin API listening'))!;
      const adminUrl = `http://${(JSON.parse(adminLine) as { address: string }).address}`;
      const signalled = Date.now();
      proc.child.kill('SIGTERM');
      await until(async () => (await adminCall(adminUrl, 'GET', '/readyz')).status === 503, 1000, 'readyz 503 after SIGTERM');
      assert.equal(await get('/during-grace'), 200, 'a new connection during the accept grace is served');
      await until(async () => (await get('/after')) === 0, 5000, 'the listener closed');
      assert.ok(Date.now() - signalled >= 1400, `the listener closed ${Date.now() - signalled} ms after SIGTERM, not before the grace`);
      assert.equal(await proc.exited, 0);
    } finally {
      await proc.stop();
      await new Promise<void>((resolve) => backend.close(() => resolve()));
    }
  });
});
