// The printed effective config (`fulcrum check --print`, GET /api/v1/config) loads again to the same
// config: print → parse → same FulcrumConfig, for a config that uses every part of the contract.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { checkCommand } from '../../src/cli/check.js';
import { sameValue } from '../../src/config/diff.js';
import { parseConfigText } from '../../src/config/load.js';
import { printableConfig, REDACTED } from '../../src/config/print.js';
import { formatDuration, formatSize } from '../../src/config/print-values.js';
import { parseDuration, parseSize } from '../../src/config/units.js';
import type { FulcrumConfig } from '../../src/config/types.js';
import { TestCa, tempDir, type CertFiles } from '../helpers/pki.js';
import { expectValid, yaml } from './helpers.js';

let pki: { dir: string; remove(): void };
let ca: TestCa;
let site: CertFiles;

before(() => {
  pki = tempDir();
  ca = TestCa.create(pki.dir);
  site = ca.issue('site', ['example.test']);
  mkdirSync(join(pki.dir, 'www'));
});
after(() => pki.remove());

const wide = () =>
  yaml(
    'admin: { address: 0.0.0.0:9090, token: "s3cret-token-value" }',
    'listeners:',
    '  - name: web',
    '    address: 127.0.0.1:8080',
    '    timeouts: { header: 1m30s, keepAlive: 250ms }',
    '    limits: { maxBodyBytes: 1536 }',
    '    trustedProxies: [10.0.0.0/8]',
    '    http2: { enabled: true }',
    '    acceptProxyProtocol: { trusted: [127.0.0.1/32] }',
    '    routes:',
    '      - match: { host: [api.example.com, "*.api.example.com"], pathPrefix: /api/, method: [get, post], headers: { X-Env: prod, x-any: { present: true } }, query: { v: { regex: "^[0-9]+$" } }, cookie: { s: abc }, clientIp: [10.0.0.0/8] }',
    '        middlewares: [limit, hdrs, strip, gz]',
    '        service: api',
    '        timeouts: { response: 2s }',
    '        limits: { maxBodyBytes: 1mb }',
    '      - { match: { pathRegex: "^/files/" }, middlewares: [files, only-lan, no-dots], service: api }',
    '      - { match: { path: /old }, middlewares: [moved, slow-limit, conns], service: api }',
    '      - service: grpc',
    '  - name: plain',
    '    address: 127.0.0.1:8081',
    '    redirectToHttps: { port: 8443 }',
    '  - name: secure',
    '    address: 127.0.0.1:8443',
    '    protocol: https',
    '    tls:',
    `      certificates: [ { cert: ${site.cert}, key: ${site.key} } ]`,
    `      clientAuth: { ca: ${ca.cert}, required: false }`,
    '      hsts: { maxAge: 1h }',
    '    routes: [ { service: api } ]',
    '  - { name: db, address: 127.0.0.1:5433, protocol: tcp, service: db, timeouts: { idle: 1h } }',
    '  - { name: pass, address: 127.0.0.1:9443, protocol: tls, routes: [ { match: { sni: a.example.com, alpn: h2 }, service: db } ], service: db }',
    '  - { name: dns, address: 127.0.0.1:5353, protocol: udp, service: db, sessionTimeout: 10s }',
    'services:',
    '  api:',
    '    algorithm: least-connections',
    '    backends: [ { address: 10.0.1.10:8080, weight: 5 }, { address: "[::1]:8080", maxConnections: 100 } ]',
    '    healthCheck: { type: http, path: /healthz, interval: 5s, timeout: 2s, expectStatus: [200, "300-302"], bodyRegex: ok }',
    '    passiveHealth: { maxFails: 3, failTimeout: 30s }',
    '    slowStart: 30s',
    '    sticky: { cookie: { name: SRV, maxAge: 1h } }',
    '    retries: { attempts: 2, on: [connect-failure, timeout] }',
    '    timeouts: { connect: 5s, response: 30s, idle: 60s }',
    '    circuitBreaker: { maxRequests: 500, errorRatio: 0.5, latency: 2s }',
    `    tls: { ca: ${ca.cert}, servername: api.internal }`,
    '    proxyProtocol: v2',
    '  grpc:',
    '    protocol: h2',
    '    algorithm: consistent-hash',
    '    hashKey: header:X-User',
    '    backends: [ { address: 127.0.0.1:50051 } ]',
    '    healthCheck: { type: grpc, service: my.Service, interval: 1s, timeout: 500ms }',
    '    sticky: { clientIp: { ttl: 10m } }',
    '  db:',
    '    backends: [ { address: 127.0.0.1:5432 } ]',
    '    healthCheck: { type: tcp }',
    'middlewares:',
    '  limit: { rateLimit: { rate: 100/s, burst: 50, key: header:X-Key } }',
    '  slow-limit: { rateLimit: { rate: 6/m } }',
    '  conns: { rateLimit: { maxConnectionsPerClient: 10 } }',
    '  hdrs: { headers: { request: { set: { X-A: "1" }, remove: [X-B] }, response: { add: { X-C: c } } } }',
    '  strip: { rewrite: { stripPrefix: /api } }',
    '  gz: { compress: { minSize: 2kb, types: [text/*] } }',
    '  files: { static: { root: www, index: false, maxAge: 10m } }',
    '  only-lan: { ipAllow: [10.0.0.0/8] }',
    '  no-dots: { deny: { path: "\\\\.\\\\.", headers: { User-Agent: [bot, crawler] }, status: 404 } }',
    '  moved: { redirect: { status: 301, path: /new } }',
    'log: { level: warn, access: { destination: stderr, fields: [status, durationMs] } }',
  );

/** The config without what printing leaves out on purpose: the token (redacted) and the source name. */
function comparable(config: FulcrumConfig): unknown {
  return { ...config, source: '', admin: { ...config.admin, token: config.admin.token === undefined ? undefined : REDACTED } };
}

test('print → parse gives the same config, for every kind of listener, service feature and middleware', () => {
  const source = join(pki.dir, 'fulcrum.yaml');
  const original = expectValid(wide().replace('root: www', `root: ${join(pki.dir, 'www')}`));
  const printed = stringify(printableConfig(original));
  writeFileSync(source, printed);
  const again = parseConfigText(readFileSync(source, 'utf8'), source);
  assert.ok(again.ok, again.ok ? '' : again.errors.map((e) => `${e.line}:${e.column} ${e.path}: ${e.message}`).join('\n') + '\n---\n' + printed);
  assert.ok(sameValue(comparable(again.config), comparable(original)), `not the same config:\n${printed}`);
  // and printing it again gives the same values
  assert.deepEqual(printableConfig(again.config), printableConfig(original));
});

test('durations and sizes are written with their units; addresses as host:port; the token never', () => {
  const printed = printableConfig(expectValid(wide().replace('root: www', `root: ${join(pki.dir, 'www')}`)));
  const text = JSON.stringify(printed);
  assert.ok(!text.includes('s3cret-token-value'), 'the admin token is not printed');
  const admin = printed.admin as Record<string, unknown>;
  assert.deepEqual(admin, { address: '0.0.0.0:9090', token: REDACTED });
  const web = (printed.listeners as Array<Record<string, unknown>>)[0]!;
  assert.deepEqual(web.timeouts, { header: '1m30s', keepAlive: '250ms', clientIdle: '1m', idle: '10m', clientHello: '5s', handshake: '10s' });
  assert.equal((web.limits as Record<string, unknown>).maxBodyBytes, '1536b');
  assert.equal((web.limits as Record<string, unknown>).maxHeaderBytes, '16kb');
  const route = (web.routes as Array<Record<string, unknown>>)[0]!;
  assert.deepEqual(route.timeouts, { response: '2s' });
  assert.deepEqual(route.limits, { maxBodyBytes: '1mb' });
  assert.equal(route.settings, undefined, 'resolved settings are not part of what a user writes');
  const api = (printed.services as Record<string, Record<string, unknown>>).api!;
  assert.deepEqual((api.backends as unknown[])[1], { address: '[::1]:8080', weight: 1, maxConnections: 100 });
  assert.deepEqual(api.sticky, { cookie: { name: 'SRV', maxAge: '1h', sameSite: 'Lax', httpOnly: true, secure: 'auto', path: '/' } });
  assert.equal((api.tls as Record<string, unknown>).ca, ca.cert, 'files by path');
  assert.ok(!text.includes('PRIVATE KEY'), 'no key contents');
});

test('formatDuration and formatSize are the inverse of the parsers', () => {
  for (const ms of [0, 1, 250, 1000, 1500, 59_999, 60_000, 90_000, 3_600_000, 31_536_000_000, 86_400_123]) assert.equal(parseDuration(formatDuration(ms)), ms, `${ms} ms`);
  for (const bytes of [0, 1, 1023, 1024, 1536, 16 * 1024, 10 * 1024 ** 2, 3 * 1024 ** 3]) assert.equal(parseSize(formatSize(bytes)), bytes, `${bytes} bytes`);
  assert.equal(formatDuration(90_000), '1m30s');
  assert.equal(formatSize(10 * 1024 ** 2), '10mb');
});

test('fulcrum check --print: the YAML on out (which check accepts again), the verdict on err', async () => {
  const source = join(pki.dir, 'print-source.yaml');
  writeFileSync(source, wide().replace('root: www', `root: ${join(pki.dir, 'www')}`));
  const out: string[] = [];
  const err: string[] = [];
  assert.equal(await checkCommand(source, { out: (l) => out.push(l), err: (l) => err.push(l) }, { print: true }), 0);
  assert.match(err.join('\n'), /: ok \(6 listeners, 3 services\)$/);
  const printedFile = join(pki.dir, 'printed.yaml');
  writeFileSync(printedFile, out.join('\n') + '\n');
  assert.equal((parse(out.join('\n')) as { admin: { token: string } }).admin.token, REDACTED);
  const verdict: string[] = [];
  assert.equal(await checkCommand(printedFile, { out: (l) => verdict.push(l), err: (l) => verdict.push(l) }), 0, verdict.join('\n'));
});
