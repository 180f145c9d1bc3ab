import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfigText, loadConfigFile } from '../../src/config/load.js';
import { expectValid, listenerAt, minimal, yaml } from './helpers.js';

test('a minimal config gets every default', () => {
  const config = expectValid(minimal());
  assert.equal(config.source, 'test.yaml');
  assert.deepEqual(config.admin, { address: { host: '127.0.0.1', port: 9090 } });
  assert.deepEqual(config.log, { level: 'info', access: null });
  assert.equal(config.middlewares.size, 0);

  const [listener] = config.listeners;
  assert.deepEqual(listener, {
    name: 'web',
    address: { host: '127.0.0.1', port: 0 },
    protocol: 'http',
    // settings: the route's effective timeouts and body limit, resolved at load (the service's and the listener's here)
    routes: [{ match: {}, middlewares: [], service: 'api', settings: { responseTimeout: 30_000, idleTimeout: 60_000, maxBodyBytes: 100 * 1024 * 1024 } }],
    maxConnections: 10_000,
    limits: { maxHeaderBytes: 16 * 1024, maxUriLength: 8 * 1024, maxHeaders: 100, maxBodyBytes: 100 * 1024 * 1024 },
    timeouts: { header: 10_000, handshake: 10_000, keepAlive: 60_000, clientIdle: 60_000, idle: 600_000, clientHello: 5_000 },
    trustedProxies: [],
    http2: {
      enabled: false,
      codec: 'fulcrum',
      maxConcurrentStreams: 100,
      maxHeaderListSize: 16 * 1024,
      initialWindowSize: 65535,
      maxFrameSize: 16384,
      maxResetsPerWindow: 100,
      resetWindow: 10_000,
    },
  });

  assert.deepEqual(config.services.get('api'), {
    name: 'api',
    algorithm: 'weighted-round-robin', // the default honours weights (as nginx and HAProxy)
    hashKey: 'client-ip',
    hashBalanceFactor: 0,
    choices: 2,
    backends: [{ address: { host: '127.0.0.1', port: 9001 }, weight: 1, maxConnections: 0 }],
    timeouts: { connect: 5_000, response: 30_000, idle: 60_000, tunnelIdle: 300_000 },
    retries: { attempts: 2, on: ['connect-failure'] },
    keepAlive: { maxIdle: 256, idleTimeout: 4_000 },
    slowStart: 0,
    panicThreshold: 50,
    drainTimeout: 30_000,
  });
});

test('durations, sizes and addresses are converted', () => {
  const config = expectValid(
    yaml(
      'admin: { address: "[::1]:9091", token: s3cret }',
      'log: { level: debug }',
      'listeners:',
      '  - name: web',
      '    address: 0.0.0.0:8080',
      '    maxConnections: 0',
      '    limits: { maxHeaderBytes: 32kb, maxUriLength: 2048, maxHeaders: 50, maxBodyBytes: 0 }',
      '    timeouts: { header: 250ms, keepAlive: 1m, clientIdle: 90000 }',
      '    trustedProxies: [10.0.0.0/8, "::1"]',
      '    routes: [ { service: api } ]',
      'services:',
      '  api:',
      '    algorithm: consistent-hash',
      '    hashKey: header:X-User',
      '    hashBalanceFactor: 150',
      '    choices: 3',
      '    backends:',
      '      - { address: 10.0.1.10:8080, weight: 5 }',
      '      - { address: "[fd00::1]:8080", weight: 0, maxConnections: 100 }',
      '    timeouts: { connect: 1s, response: 2m, idle: 1h }',
      '    retries: { attempts: 0, on: [timeout, 5xx] }',
      '    keepAlive: { maxIdle: 8, idleTimeout: 1500ms }',
    ),
  );
  assert.deepEqual(config.admin, { address: { host: '::1', port: 9091 }, token: 's3cret' });
  assert.equal(config.log.level, 'debug');
  const listener = listenerAt(config, 0, 'http');
  assert.equal(listener.maxConnections, 0);
  assert.deepEqual(listener.limits, { maxHeaderBytes: 32768, maxUriLength: 2048, maxHeaders: 50, maxBodyBytes: 0 });
  assert.deepEqual(listener.timeouts, { header: 250, handshake: 10_000, keepAlive: 60_000, clientIdle: 90_000, idle: 600_000, clientHello: 5_000 });
  assert.deepEqual(listener.trustedProxies, ['10.0.0.0/8', '::1']);
  const api = config.services.get('api')!;
  assert.equal(api.algorithm, 'consistent-hash');
  assert.equal(api.hashKey, 'header:x-user');
  assert.equal(api.hashBalanceFactor, 150);
  assert.equal(api.choices, 3);
  assert.deepEqual(api.backends[1], { address: { host: 'fd00::1', port: 8080 }, weight: 0, maxConnections: 100 });
  assert.deepEqual(api.timeouts, { connect: 1_000, response: 120_000, idle: 3_600_000, tunnelIdle: 300_000 });
  assert.deepEqual(api.retries, { attempts: 0, on: ['timeout', '5xx'] });
  assert.deepEqual(api.keepAlive, { maxIdle: 8, idleTimeout: 1_500 });
});

test('route matches are normalized: lists, lower-cased hosts and header names, upper-cased methods', () => {
  const config = expectValid(
    yaml(
      'listeners:',
      '  - name: web',
      '    address: 127.0.0.1:0',
      '    routes:',
      '      - match:',
      '          host: [API.example.com, "*.example.org"]',
      '          pathPrefix: /api/',
      '          method: get',
      '          headers: { X-Tenant: acme, X-Debug: { present: true }, Accept: { regex: "^application/" } }',
      '          query: { v: "2" }',
      '          cookie: { session: { present: false } }',
      '          clientIp: 10.0.0.0/8',
      '        service: api',
      '      - match: { path: /exact, pathRegex: "^/v[0-9]+/", method: [GET, post] }',
      '        service: api',
      '      - service: api',
      'services:',
      '  api: { backends: [ { address: 127.0.0.1:9001 } ] }',
    ),
  );
  const [first, second, last] = listenerAt(config, 0, 'http').routes;
  assert.deepEqual(first!.match, {
    host: ['api.example.com', '*.example.org'],
    pathPrefix: '/api/',
    method: ['GET'],
    headers: { 'x-tenant': { exact: 'acme' }, 'x-debug': { present: true }, accept: { regex: '^application/' } },
    query: { v: { exact: '2' } },
    cookie: { session: { present: false } },
    clientIp: ['10.0.0.0/8'],
  });
  assert.deepEqual(second!.match, { path: '/exact', pathRegex: '^/v[0-9]+/', method: ['GET', 'POST'] });
  assert.deepEqual(last!.match, {});
});

test('JSON configs are read too', () => {
  const result = parseConfigText(
    JSON.stringify({
      listeners: [{ name: 'web', address: '127.0.0.1:0', routes: [{ service: 'api' }] }],
      services: { api: { backends: [{ address: '127.0.0.1:9001' }] } },
    }),
    'fulcrum.json',
  );
  assert.ok(result.ok);
  assert.equal(result.config.services.size, 1);
});

test('examples/basic.yaml is valid', async () => {
  const path = new URL('../../../examples/basic.yaml', import.meta.url).pathname;
  const result = await loadConfigFile(path);
  assert.ok(result.ok, result.ok ? '' : JSON.stringify(result.errors));
  assert.equal(result.config.listeners.length, 1);
  assert.deepEqual([...result.config.services.keys()], ['api', 'web']);
});
