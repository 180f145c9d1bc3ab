// Route and backend names through a running Fulcrum: the metrics' labels, the admin API's views and
// its backend routes, which take a name as well as an address.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import type { Fulcrum } from '../../src/fulcrum.js';
import type { AdminServer } from '../../src/admin/server.js';
import { portOf, startFulcrum, yaml } from '../helpers/fulcrum.js';
import { adminCall, startAdmin } from '../helpers/admin.js';
import { ask, startNamedBackend, type NamedBackend } from '../helpers/named-backends.js';
import { parseExposition, sampleValue } from '../helpers/prometheus-format.js';

describe('route and backend names', () => {
  let alpha: NamedBackend;
  let bravo: NamedBackend;
  let fulcrum: Fulcrum;
  let admin: AdminServer;
  let url: string;

  before(async () => {
    [alpha, bravo] = await Promise.all([startNamedBackend('alpha'), startNamedBackend('bravo')]);
    fulcrum = await startFulcrum(yaml`
      listeners:
        - name: web
          address: 127.0.0.1:0
          routes:
            - { name: api, match: { pathPrefix: /api/ }, service: svc }
            - { service: svc }
      services:
        svc:
          backends: [ { name: alpha, address: ${alpha.address} }, { address: ${bravo.address} } ]
    `);
    ({ admin, url } = await startAdmin(fulcrum));
  });
  after(async () => {
    await admin?.close();
    await fulcrum?.close();
    await Promise.all([alpha?.close(), bravo?.close()]);
  });

  test('metrics: route="api" for a named route, its index otherwise; backends keep their address and gain name', async () => {
    const port = portOf(fulcrum);
    for (let i = 0; i < 4; i++) assert.equal((await ask(port, '/api/x')).status, 200);
    for (let i = 0; i < 2; i++) assert.equal((await ask(port, '/other')).status, 200);
    const res = await request(`${url}/metrics`);
    const exposition = parseExposition(await res.body.text());
    const ok = { listener: 'web', service: 'svc', code: '2xx' };
    assert.equal(sampleValue(exposition, 'fulcrum_requests_total', { ...ok, route: 'api', backend: alpha.address, name: 'alpha' }), 2);
    assert.equal(sampleValue(exposition, 'fulcrum_requests_total', { ...ok, route: 'api', backend: bravo.address, name: '' }), 2);
    assert.equal(sampleValue(exposition, 'fulcrum_requests_total', { ...ok, route: '1', backend: alpha.address, name: 'alpha' }), 1);
    assert.equal(sampleValue(exposition, 'fulcrum_requests_total', { ...ok, route: '0' }), undefined, 'a named route is not labelled by its index');
    assert.equal(sampleValue(exposition, 'fulcrum_backend_weight', { service: 'svc', backend: alpha.address, name: 'alpha' }), 1);
    assert.equal(sampleValue(exposition, 'fulcrum_backend_weight', { service: 'svc', backend: bravo.address, name: '' }), 1);
  });

  test('admin: views carry the name (null without one); GET and PATCH take a name as well as an address', async () => {
    const list = await adminCall(url, 'GET', '/api/v1/services/svc/backends');
    assert.deepEqual(
      list.body.backends.map((b: { name: string | null; address: string }) => [b.name, b.address]),
      [
        ['alpha', alpha.address],
        [null, bravo.address],
      ],
    );
    const byName = await adminCall(url, 'GET', '/api/v1/services/svc/backends/alpha');
    assert.equal(byName.status, 200);
    assert.equal(byName.body.address, alpha.address);
    const patched = await adminCall(url, 'PATCH', '/api/v1/services/svc/backends/alpha', { weight: 4 });
    assert.equal(patched.status, 200);
    assert.equal(fulcrum.services.get('svc')!.backends.find((b) => b.id === alpha.address)!.weight, 4);
    const unknown = await adminCall(url, 'GET', '/api/v1/services/svc/backends/charlie');
    assert.equal(unknown.status, 404);
    assert.match(unknown.body.error, /no backend named 'charlie'; backends: alpha \(127\.0\.0\.1:\d+\), 127\.0\.0\.1:\d+/);
  });

  test('admin: a backend added with a name is found by it; a taken or malformed name is refused', async () => {
    const charlie = await startNamedBackend('charlie');
    after(() => charlie.close());
    const added = await adminCall(url, 'POST', '/api/v1/services/svc/backends', { name: 'charlie', address: charlie.address });
    assert.equal(added.status, 201);
    assert.equal(added.body.name, 'charlie');
    assert.equal((await adminCall(url, 'GET', '/api/v1/services/svc/backends/charlie')).body.address, charlie.address);
    const taken = await adminCall(url, 'POST', '/api/v1/services/svc/backends', { name: 'alpha', address: '127.0.0.1:1' });
    assert.equal(taken.status, 409);
    assert.match(taken.body.error, /already has a backend named 'alpha'/);
    const malformed = await adminCall(url, 'POST', '/api/v1/services/svc/backends', { name: 'no spaces', address: '127.0.0.1:1' });
    assert.equal(malformed.status, 400);
    assert.match(malformed.body.error, /^name: expected a name/);
    const removed = await adminCall(url, 'DELETE', '/api/v1/services/svc/backends/charlie');
    assert.equal(removed.status, 202);
    assert.equal(fulcrum.services.get('svc')!.backends.length, 2);
  });
});
