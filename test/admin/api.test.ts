// The admin REST API against an in-process Fulcrum: the listed fields, adding, re-weighting,
// draining and removing backends, and the errors (400, 404, 405, 409, 401).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import type { Fulcrum } from '../../src/fulcrum.js';
import type { AdminServer } from '../../src/admin/server.js';
import { echoHandler, startHttpBackend, type HttpBackend } from '../helpers/http-backend.js';
import { portOf, startFulcrum, yaml } from '../helpers/fulcrum.js';
import { adminCall, startAdmin } from '../helpers/admin.js';

describe('admin API', () => {
  let a: HttpBackend;
  let b: HttpBackend;
  let c: HttpBackend;
  let fulcrum: Fulcrum;
  let admin: AdminServer;
  let url: string;
  const call = (method: string, path: string, body?: unknown) => adminCall(url, method, '/api/v1' + path, body);

  before(async () => {
    [a, b, c] = await Promise.all([startHttpBackend(echoHandler('a')), startHttpBackend(echoHandler('b')), startHttpBackend(echoHandler('c'))]);
    fulcrum = await startFulcrum(yaml`
      admin: { address: 127.0.0.1:0 }
      listeners:
        - name: web
          address: 127.0.0.1:0
          routes: [ { service: api } ]
      services:
        api:
          drainTimeout: 2s
          backends:
            - { address: ${a.address}, weight: 2 }
            - { address: ${b.address} }
    `);
    ({ admin, url } = await startAdmin(fulcrum));
  });

  after(async () => {
    await admin.close();
    await fulcrum.close();
    await Promise.all([a.close(), b.close(), c.close()]);
  });

  const get = async (path: string) => {
    const res = await request(`${fulcrum.url('web')}${path}`);
    return res.body.text();
  };

  test('GET /services lists every backend with its live state', async () => {
    for (let i = 0; i < 6; i++) await get('/x');
    const res = await call('GET', '/services');
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
    const [api] = res.body.services;
    assert.equal(api.name, 'api');
    assert.equal(api.algorithm, 'weighted-round-robin');
    assert.equal(api.drainTimeoutMs, 2000);
    assert.deepEqual(api.removing, []);
    const [first, second] = api.backends;
    assert.equal(first.address, a.address);
    assert.equal(first.weight, 2);
    assert.equal(first.effectiveWeight, 2);
    assert.equal(second.address, b.address);
    for (const backend of api.backends) {
      assert.equal(backend.health.healthy, true);
      assert.equal(typeof backend.health.reason, 'string');
      assert.ok(backend.health.since === null || !Number.isNaN(Date.parse(backend.health.since)));
      assert.equal(backend.ejections, 0);
      assert.equal(backend.draining, false);
      assert.equal(backend.drain, null);
      assert.equal(backend.activeConnections, 0);
      assert.equal(backend.inflightRequests, 0);
    }
    assert.equal(first.totalRequests + second.totalRequests, 6);
    assert.ok(first.upstreamConnections >= 1, 'a pooled keep-alive connection to a');
  });

  test('GET one service and one backend; unknown ones are 404 with what exists', async () => {
    assert.equal((await call('GET', '/services/api')).body.name, 'api');
    const one = await call('GET', `/services/api/backends/${a.address}`);
    assert.equal(one.status, 200);
    assert.equal(one.body.address, a.address);
    const missing = await call('GET', '/services/nope');
    assert.equal(missing.status, 404);
    assert.match(missing.body.error, /no service named 'nope'; services: api/);
    const noBackend = await call('GET', '/services/api/backends/127.0.0.1:1');
    assert.equal(noBackend.status, 404);
    assert.match(noBackend.body.error, /has no backend 127\.0\.0\.1:1/);
    assert.equal((await call('GET', '/nothing-here')).status, 404);
    assert.equal((await adminCall(url, 'GET', '/elsewhere')).status, 404);
  });

  test('POST adds a backend that takes traffic at once; a duplicate is 409', async () => {
    const added = await call('POST', '/services/api/backends', { address: c.address, weight: 1 });
    assert.equal(added.status, 201);
    assert.equal(added.body.address, c.address);
    const seen = new Set<string>();
    for (let i = 0; i < 8; i++) seen.add((await get('/')).split(' ')[0]!);
    assert.ok(seen.has('c'), `c answered: ${[...seen].join(', ')}`);
    const again = await call('POST', '/services/api/backends', { address: c.address });
    assert.equal(again.status, 409);
    assert.match(again.body.error, /already has backend/);
  });

  test('bad bodies are 400 saying what was expected', async () => {
    const cases: Array<[unknown, RegExp]> = [
      ['{not json', /not valid JSON/],
      ['[1,2]', /expected a JSON object/],
      [{}, /address: required/],
      [{ address: 'nowhere' }, /address: expected host:port/],
      [{ address: '127.0.0.1:9', weight: -1 }, /weight: expected a whole number ≥ 0, got -1/],
      [{ address: '127.0.0.1:9', wieght: 2 }, /unknown field 'wieght'; expected 'name', 'address', 'weight', 'maxConnections'/],
    ];
    for (const [body, message] of cases) {
      const res = await call('POST', '/services/api/backends', body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.match(res.body.error, message);
    }
    const patch = await call('PATCH', `/services/api/backends/${a.address}`, { drain: 'yes' });
    assert.equal(patch.status, 400);
    assert.match(patch.body.error, /drain: expected true or false/);
    const empty = await call('PATCH', `/services/api/backends/${a.address}`, {});
    assert.equal(empty.status, 400);
    assert.equal((await call('POST', '/services/nope/backends', { address: '127.0.0.1:9' })).status, 404);
  });

  test('a method an endpoint does not have is 405 with Allow', async () => {
    const res = await call('PUT', `/services/api/backends/${a.address}`, { weight: 1 });
    assert.equal(res.status, 405);
    assert.equal(res.headers.allow, 'GET, PATCH, DELETE');
    assert.match(res.body.error, /method PUT not allowed/);
  });

  test('PATCH changes the weight and the drain state', async () => {
    const weighted = await call('PATCH', `/services/api/backends/${b.address}`, { weight: 5 });
    assert.equal(weighted.status, 200);
    assert.equal(weighted.body.weight, 5);
    assert.equal(weighted.body.effectiveWeight, 5);

    const drained = await call('PATCH', `/services/api/backends/${b.address}`, { drain: true });
    assert.equal(drained.body.draining, true);
    assert.equal(drained.body.drain.reason, 'admin');
    assert.equal(drained.body.available, false);
    for (let i = 0; i < 6; i++) assert.notEqual((await get('/')).split(' ')[0], 'b');

    const back = await call('PATCH', `/services/api/backends/${b.address}`, { drain: false });
    assert.equal(back.body.draining, false);
    assert.equal(back.body.drain, null);
    const changes = await call('GET', '/runtime-changes');
    assert.deepEqual(changes.body.changes, [`api: ${c.address} added (weight 1)`, `api: ${b.address} weight 5`]);
  });

  test('DELETE removes a backend (202, draining); the last one cannot go', async () => {
    const removed = await call('DELETE', `/services/api/backends/${c.address}`);
    assert.equal(removed.status, 202);
    assert.equal(removed.body.address, c.address);
    const api = (await call('GET', '/services/api')).body;
    assert.deepEqual(
      api.backends.map((x: { address: string }) => x.address),
      [a.address, b.address],
    );
    for (let i = 0; i < 6; i++) assert.notEqual((await get('/')).split(' ')[0], 'c');
    assert.equal((await call('DELETE', `/services/api/backends/${c.address}`)).status, 404);
    await call('DELETE', `/services/api/backends/${a.address}`);
    const last = await call('DELETE', `/services/api/backends/${b.address}`);
    assert.equal(last.status, 409);
    assert.match(last.body.error, /last one/);
    // put a back for what follows
    assert.equal((await call('POST', '/services/api/backends', { address: a.address, weight: 2 })).status, 201);
  });

  test('POST /reload answers 422 with the errors when the file is invalid, and the old config serves on', async () => {
    const res = await call('POST', '/reload');
    assert.equal(res.status, 422);
    assert.match(res.body.errors[0], /test\.yaml.*file not found/);
    assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
    assert.match(await get('/'), /^(a|b) GET/);
    assert.ok(portOf(fulcrum) > 0);
  });
});

describe('admin API auth', () => {
  let backend: HttpBackend;
  let fulcrum: Fulcrum;
  let admin: AdminServer;
  let url: string;

  before(async () => {
    backend = await startHttpBackend(echoHandler('a'));
    // bound off loopback (every interface): a token is required
    fulcrum = await startFulcrum(yaml`
      admin: { address: 0.0.0.0:0, token: s3cret-token }
      listeners: [ { name: web, address: 127.0.0.1:0, routes: [ { service: api } ] } ]
      services: { api: { backends: [ { address: ${backend.address} } ] } }
    `);
    ({ admin, url } = await startAdmin(fulcrum));
  });

  after(async () => {
    await admin.close();
    await fulcrum.close();
    await backend.close();
  });

  test('no token, a wrong one or another scheme is 401 with a challenge', async () => {
    const attempts: Array<Record<string, string>> = [{}, { authorization: 'Bearer wrong' }, { authorization: 'Basic czNjcmV0LXRva2Vu' }];
    for (const headers of attempts) {
      const res = await adminCall(url, 'GET', '/api/v1/services', undefined, headers);
      assert.equal(res.status, 401);
      assert.equal(res.headers['www-authenticate'], 'Bearer realm="fulcrum-admin"');
      assert.match(res.body.error, /credentials|invalid token/);
    }
    const post = await adminCall(url, 'POST', '/api/v1/services/api/backends', { address: '127.0.0.1:9' });
    assert.equal(post.status, 401);
    assert.equal(fulcrum.services.get('api')!.backends.length, 1, 'nothing changed');
  });

  test('the right token is let through', async () => {
    const res = await adminCall(url, 'GET', '/api/v1/services', undefined, { authorization: 'Bearer s3cret-token' });
    assert.equal(res.status, 200);
    assert.equal(res.body.services[0].name, 'api');
  });
});
