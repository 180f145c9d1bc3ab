import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfigText } from '../../src/config/load.js';
import { assertError, expectErrors, expectValid, listenerAt, yaml } from './helpers.js';
import { TestCa, tempDir, type CertFiles } from '../helpers/pki.js';

let pki: { dir: string; remove(): void };
let ca: TestCa;
let site: CertFiles;
let other: CertFiles;

before(() => {
  pki = tempDir();
  ca = TestCa.create(pki.dir);
  site = ca.issue('site', ['example.test']);
  other = ca.issue('other', ['other.test']);
  writeFileSync(join(pki.dir, 'garbage.pem'), 'not a pem\n');
});
after(() => pki.remove());

const services = ['services:', '  api: { backends: [ { address: 127.0.0.1:9001 } ] }'];

test('an https listener: certificates, versions, client auth and HSTS, paths made absolute', () => {
  const config = expectValid(
    yaml(
      'listeners:',
      '  - name: secure',
      '    address: 127.0.0.1:0',
      '    protocol: https',
      '    tls:',
      `      certificates: [ { cert: ${site.cert}, key: ${site.key} }, { cert: ${other.cert}, key: ${other.key} } ]`,
      '      minVersion: TLSv1.3',
      `      clientAuth: { ca: ${ca.cert}, required: false, verifyDepth: 2 }`,
      '      hsts: { maxAge: 1h, includeSubDomains: true }',
      '    routes: [ { service: api } ]',
      ...services,
    ),
  );
  const tls = listenerAt(config, 0, 'https').tls;
  assert.equal(tls.certificates.length, 2);
  assert.equal(tls.minVersion, 'TLSv1.3');
  assert.deepEqual(tls.clientAuth, { ca: ca.cert, required: false, verifyDepth: 2 });
  assert.deepEqual(tls.hsts, { maxAge: 3_600_000, includeSubDomains: true, preload: false });
});

test("relative certificate paths are read from the config file's folder", () => {
  const text = yaml(
    'listeners:',
    '  - name: secure',
    '    address: 127.0.0.1:0',
    '    protocol: https',
    '    tls:',
    '      certificates: [ { cert: site.pem, key: site.key } ]',
    '      clientAuth: { ca: test-ca.pem }',
    '      hsts: {}',
    '    routes: [ { service: api } ]',
    ...services,
  );
  const result = parseConfigText(text, join(pki.dir, 'fulcrum.yaml'));
  assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
  const tls = listenerAt(result.config, 0, 'https').tls;
  assert.deepEqual(tls, {
    certificates: [{ cert: site.cert, key: site.key }],
    minVersion: 'TLSv1.2',
    clientAuth: { ca: ca.cert, required: true, verifyDepth: 1 },
    hsts: { maxAge: 365 * 24 * 3_600_000, includeSubDomains: false, preload: false },
  });
});

test('missing, unparsable and mismatched PEM files are reported at the key that names them', () => {
  const text = yaml(
    'listeners:',
    '  - name: secure',
    '    address: 127.0.0.1:0',
    '    protocol: https',
    '    tls:',
    '      certificates:',
    '        - { cert: nope.pem, key: site.key }',
    '        - { cert: garbage.pem, key: site.key }',
    '        - { cert: site.pem, key: other.key }',
    '      clientAuth: { ca: missing-ca.pem }',
    '    routes: [ { service: api } ]',
    'services:',
    '  api:',
    '    backends: [ { address: 127.0.0.1:9001 } ]',
    '    tls: { cert: site.pem }',
  );
  const result = parseConfigText(text, join(pki.dir, 'fulcrum.yaml'));
  assert.equal(result.ok, false);
  const errors = result.ok ? [] : result.errors.map((e) => ({ ...e, file: 'test.yaml' }));
  assertError(errors, 'listeners[0].tls.certificates[0].cert', '7:19', 'nope.pem: file not found');
  assertError(errors, 'listeners[0].tls.certificates[1].cert', '8:19', 'garbage.pem: not a PEM certificate');
  assertError(errors, 'listeners[0].tls.certificates[2].key', '9:34', 'other.key is not the private key of site.pem');
  assertError(errors, 'listeners[0].tls.clientAuth.ca', '10:25', 'missing-ca.pem: file not found');
  assertError(errors, 'services.api.tls.cert', '15:18', "needs both 'cert' and 'key'");
});

test('l4 listeners, PROXY protocol, redirects and backend TLS', () => {
  const config = expectValid(
    yaml(
      'listeners:',
      '  - { name: web, address: 127.0.0.1:0, redirectToHttps: true }',
      '  - { name: web2, address: 127.0.0.1:0, redirectToHttps: { port: 8443 }, routes: [ { service: api } ] }',
      '  - name: db',
      '    address: 127.0.0.1:0',
      '    protocol: tcp',
      '    service: api',
      '    timeouts: { idle: 30s }',
      '    acceptProxyProtocol: { trusted: [10.0.0.0/8] }',
      '  - name: pass',
      '    address: 127.0.0.1:0',
      '    protocol: tls',
      '    timeouts: { clientHello: 2s }',
      '    routes:',
      '      - { match: { sni: "*.a.test", alpn: [h2, http/1.1] }, service: api }',
      '      - { service: tcp }',
      '  - { name: dns, address: 127.0.0.1:0, protocol: udp, service: api, sessionTimeout: 5s, maxSessions: 100 }',
      'services:',
      '  api: { backends: [ { address: 127.0.0.1:9001 } ], proxyProtocol: v2 }',
      '  tcp:',
      '    backends: [ { address: 127.0.0.1:9002 } ]',
      `    tls: { ca: ${ca.cert}, servername: backend.test, cert: ${site.cert}, key: ${site.key} }`,
    ),
  );
  const [web, web2, db, pass, dns] = [listenerAt(config, 0, 'http'), listenerAt(config, 1, 'http'), listenerAt(config, 2, 'tcp'), listenerAt(config, 3, 'tls'), listenerAt(config, 4, 'udp')];
  assert.deepEqual(web.redirectToHttps, { port: 443 });
  assert.deepEqual(web.routes, []);
  assert.deepEqual(web2.redirectToHttps, { port: 8443 });
  assert.equal(db.timeouts.idle, 30_000);
  assert.deepEqual(db.acceptProxyProtocol, { trusted: ['10.0.0.0/8'] });
  assert.equal(pass.timeouts.clientHello, 2_000);
  assert.deepEqual(pass.routes[0]!.match, { sni: ['*.a.test'], alpn: ['h2', 'http/1.1'] });
  assert.equal(dns.sessionTimeout, 5_000);
  assert.equal(dns.maxSessions, 100);
  assert.equal(config.services.get('api')!.proxyProtocol, 'v2');
  assert.deepEqual(config.services.get('tcp')!.tls, {
    insecureSkipVerify: false,
    ca: ca.cert,
    servername: 'backend.test',
    cert: site.cert,
    key: site.key,
  });
});

test('transport settings on the wrong kind of listener are refused', () => {
  const errors = expectErrors(
    yaml(
      'listeners:',
      '  - { name: a, address: 127.0.0.1:0, protocol: tcp, service: api, redirectToHttps: true }',
      '  - { name: b, address: 127.0.0.1:0, protocol: tls, tls: { certificates: [ { cert: a, key: b } ] }, service: api }',
      '  - { name: c, address: 127.0.0.1:0, protocol: tls, routes: [ { match: { host: a.test }, service: api } ] }',
      '  - { name: d, address: 127.0.0.1:0, routes: [ { match: { sni: a.test }, service: api } ] }',
      '  - { name: e, address: 127.0.0.1:0, protocol: udp, service: api, acceptProxyProtocol: { trusted: [] } }',
      '  - { name: f, address: 127.0.0.1:0, protocol: tcp, service: api, maxSessions: 3 }',
      '  - { name: g, address: 127.0.0.1:0, protocol: tls }',
      'services:',
      '  api: { backends: [ { address: 127.0.0.1:9001 } ], proxyProtocol: v3, tls: { insecureSkipVerify: yes } }',
    ),
  );
  assertError(errors, 'listeners[0].redirectToHttps', '2:84', "'redirectToHttps' is for http listeners");
  assertError(errors, 'listeners[1].tls', '3:58', 'passes TLS through without terminating it');
  assertError(errors, 'listeners[2].routes[0].match.host', '4:80', "routes by 'sni' and 'alpn' only");
  assertError(errors, 'listeners[3].routes[0].match.sni', '5:64', 'matches on tls (passthrough) listeners only');
  assertError(errors, 'listeners[4].acceptProxyProtocol', '6:88', 'not read on udp listeners');
  assertError(errors, 'listeners[4].acceptProxyProtocol.trusted', '6:99', 'at least one trusted CIDR');
  assertError(errors, 'listeners[5].maxSessions', '7:80', "'maxSessions' is for udp listeners");
  assertError(errors, 'listeners[6]', '8:5', "needs 'service' (or 'routes' by sni/alpn)");
  assertError(errors, 'services.api.proxyProtocol', '10:68', 'expected v1 | v2');
  assertError(errors, 'services.api.tls.insecureSkipVerify', '10:99', 'expected true or false');
});
