// Draining through the admin API: no new requests, the in-flight one completes, idle pooled
// connections close at once and those still in use close at the drain timeout.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type http from 'node:http';
import { request, Agent } from 'undici';
import type { Fulcrum } from '../../src/fulcrum.js';
import type { AdminServer } from '../../src/admin/server.js';
import { echoHandler, startHttpBackend, type HttpBackend } from '../helpers/http-backend.js';
import { startFulcrum, yaml } from '../helpers/fulcrum.js';
import { adminCall, startAdmin } from '../helpers/admin.js';

describe('draining', () => {
  let slow: HttpBackend;
  let fast: HttpBackend;
  let fulcrum: Fulcrum;
  let admin: AdminServer;
  let url: string;
  /** responses /hold requests wait for */
  const held: http.ServerResponse[] = [];
  const slowSockets = new Set<import('node:net').Socket>();
  const agent = new Agent({ connections: 20 });

  before(async () => {
    const echo = echoHandler('slow');
    slow = await startHttpBackend((req, res, recorded) => {
      if (req.url === '/hold') held.push(res);
      else echo(req, res, recorded);
    });
    slow.server.on('connection', (socket) => {
      slowSockets.add(socket);
      socket.on('close', () => slowSockets.delete(socket));
    });
    fast = await startHttpBackend(echoHandler('fast'));
    fulcrum = await startFulcrum(yaml`
      admin: { address: 127.0.0.1:0 }
      listeners: [ { name: web, address: 127.0.0.1:0, routes: [ { service: api } ] } ]
      services:
        api:
          drainTimeout: 600ms
          backends: [ { address: ${slow.address} } ]
    `);
    ({ admin, url } = await startAdmin(fulcrum));
  });

  after(async () => {
    await agent.close();
    await admin.close();
    await fulcrum.close();
    await Promise.all([slow.close(), fast.close()]);
  });

  const call = (method: string, path: string, body?: unknown) => adminCall(url, method, '/api/v1/services/api/backends' + path, body);
  const get = (path: string) => request(`${fulcrum.url('web')}${path}`, { dispatcher: agent });
  const waitFor = async (what: string, check: () => boolean, ms = 3000) => {
    const until = Date.now() + ms;
    while (!check()) {
      if (Date.now() > until) assert.fail(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };

  test('a drained backend gets no new requests, its in-flight request completes, its idle socket closes', async () => {
    // a request held in flight on one connection, then a pooled idle connection beside it
    const inflight = get('/hold');
    await waitFor('the held request', () => held.length === 1);
    assert.equal(await (await get('/warm')).body.text(), 'slow GET /warm 0');
    assert.equal(slowSockets.size, 2);

    assert.equal((await call('POST', '', { address: fast.address })).status, 201);
    const drained = await call('PATCH', `/${slow.address}`, { drain: true });
    assert.equal(drained.status, 200);
    assert.equal(drained.body.drain.phase, 'draining');
    assert.equal(drained.body.inflightRequests, 1);
    // the idle pooled socket is closed at once; the busy one stays
    await waitFor('the idle socket to close', () => slowSockets.size === 1);

    const before = slow.requests.length;
    for (let i = 0; i < 10; i++) assert.equal(await (await get(`/n${i}`)).body.text(), `fast GET /n${i} 0`);
    assert.equal(slow.requests.length, before, 'no new request reached the drained backend');

    held.shift()!.end('done');
    const res = await inflight;
    assert.equal(res.statusCode, 200);
    assert.equal(await res.body.text(), 'done');
    // the connection that carried it is not reused: closed after its request
    await waitFor('the busy socket to close', () => slowSockets.size === 0);
    const backend = fulcrum.services.get('api')!.backends.find((b) => b.id === slow.address)!;
    await waitFor('the drain to end', () => fulcrum.drains.get(backend)?.phase === 'drained');
    const view = await call('GET', `/${slow.address}`);
    assert.equal(view.body.drain.phase, 'drained');
    assert.equal(view.body.draining, true, 'still out of rotation until undrained');
    assert.equal(view.body.upstreamConnections, 0);
  });

  test('a request still in flight at the drain timeout has its connection closed', async () => {
    assert.equal((await call('PATCH', `/${slow.address}`, { drain: false })).body.draining, false);
    assert.equal((await call('PATCH', `/${fast.address}`, { weight: 0 })).body.drain.reason, 'weight-0');
    const stuck = get('/hold');
    await waitFor('the held request', () => held.length === 1);
    const closed = once([...slowSockets][0]!, 'close');
    const started = Date.now();
    const removed = await call('DELETE', `/${slow.address}`);
    assert.equal(removed.status, 202);
    assert.equal(removed.body.drain.reason, 'removed');
    const listed = (await adminCall(url, 'GET', '/api/v1/services/api')).body;
    assert.deepEqual(
      listed.removing.map((b: { address: string }) => b.address),
      [slow.address],
    );
    await closed;
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 500 && elapsed < 1500, `closed after ${elapsed} ms (drainTimeout 600ms)`);
    const res = await stuck;
    assert.equal(res.statusCode, 502);
    await res.body.text();
    held.length = 0;
    await waitFor('the removed backend to be forgotten', () => fulcrum.drains.retiring('api').length === 0);
  });
});
