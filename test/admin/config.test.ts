// GET /api/v1/config: the running config with every default filled in, behind the admin token,
// runtime changes included, the token never shown; what it answers loads again to the same config.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AdminServer } from '../../src/admin/server.js';
import { sameValue } from '../../src/config/diff.js';
import { parseConfigText } from '../../src/config/load.js';
import { REDACTED } from '../../src/config/print.js';
import type { Fulcrum } from '../../src/fulcrum.js';
import { adminCall, startAdmin } from '../helpers/admin.js';
import { startFulcrum, yaml } from '../helpers/fulcrum.js';
import { startHttpBackend, type HttpBackend } from '../helpers/http-backend.js';

const TOKEN = 'config-view-token-0123456789';
const auth = { authorization: `Bearer ${TOKEN}` };
let backend: HttpBackend;
let fulcrum: Fulcrum;
let admin: AdminServer;
let url: string;

before(async () => {
  backend = await startHttpBackend();
  fulcrum = await startFulcrum(yaml`
    admin: { address: 127.0.0.1:0, token: ${TOKEN} }
    listeners:
      - name: web
        address: 127.0.0.1:0
        routes:
          - { match: { pathPrefix: /api/ }, service: api, timeouts: { response: 2s } }
          - service: api
    services:
      api:
        backends: [ { address: ${backend.address} } ]
        circuitBreaker: { maxRequests: 10 }
  `);
  ({ admin, url } = await startAdmin(fulcrum));
});

after(async () => {
  await admin?.close();
  await fulcrum?.close();
  await backend?.close();
});

test('without the token: 401, as the other admin routes', async () => {
  const res = await adminCall(url, 'GET', '/api/v1/config');
  assert.equal(res.status, 401);
  assert.ok(!JSON.stringify(res.body).includes(TOKEN));
});

test('with it: the defaults filled in, durations with units, the token redacted, a runtime change included; it loads again to the running config', async () => {
  const added = await adminCall(url, 'POST', '/api/v1/services/api/backends', { address: '127.0.0.1:1', weight: 0 }, auth);
  assert.equal(added.status, 201);
  const res = await adminCall(url, 'GET', '/api/v1/config', undefined, auth);
  assert.equal(res.status, 200);
  assert.equal(res.body.source, 'test.yaml');
  const config = res.body.config;
  assert.equal(config.admin.token, REDACTED);
  assert.ok(!JSON.stringify(res.body).includes(TOKEN), 'the token is never in the answer');
  assert.deepEqual(config.listeners[0].routes[0].timeouts, { response: '2s' });
  assert.equal(config.listeners[0].timeouts.header, '10s', 'a default filled in');
  assert.equal(config.services.api.timeouts.response, '30s');
  assert.equal(config.services.api.circuitBreaker.openFor, '30s');
  assert.deepEqual(
    config.services.api.backends.map((b: { address: string }) => b.address),
    [backend.address, '127.0.0.1:1'],
    'the backend added at runtime',
  );

  const again = parseConfigText(JSON.stringify(config), 'test.yaml');
  assert.ok(again.ok, again.ok ? '' : again.errors.map((e) => `${e.path}: ${e.message}`).join('\n'));
  const running = { ...fulcrum.config, admin: { ...fulcrum.config.admin, token: REDACTED } };
  assert.ok(sameValue(again.config, running), 'the answer is the running config');
});
