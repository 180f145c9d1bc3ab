import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { parseConfigText, formatConfigError } from '../../src/config/index.js';
import { Fulcrum } from '../../src/fulcrum.js';
import { startHttpBackend, type HttpBackend } from '../helpers/http-backend.js';
import { TestCa, tempDir, type CertFiles } from '../helpers/pki.js';
import { eventually, run } from '../helpers/l4.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { yaml } from '../helpers/fulcrum.js';

let pki: ReturnType<typeof tempDir>;
let ca: TestCa;
let fallback: CertFiles;
let exact: CertFiles;
let wild: CertFiles;
let backend: HttpBackend;
let fulcrum: Fulcrum;
let log: ReturnType<typeof captureLogger>;
let httpsPort: number;
let httpPort: number;
/** the served copy of the a.test pair, rewritten by the reload test */
let live: CertFiles;

before(async () => {
  pki = tempDir();
  ca = TestCa.create(pki.dir);
  fallback = ca.issue('default', ['default.test']);
  exact = ca.issue('exact', ['a.test']);
  wild = ca.issue('wild', ['*.wild.test']);
  live = { cert: join(pki.dir, 'live.pem'), key: join(pki.dir, 'live.key') };
  copyFileSync(exact.cert, live.cert);
  copyFileSync(exact.key, live.key);
  backend = await startHttpBackend();
  const result = parseConfigText(
    yaml`
      listeners:
        - name: secure
          address: 127.0.0.1:0
          protocol: https
          tls:
            certificates: [ { cert: ${fallback.cert}, key: ${fallback.key} }, { cert: ${live.cert}, key: ${live.key} }, { cert: ${wild.cert}, key: ${wild.key} } ]
            hsts: { maxAge: 1h, includeSubDomains: true }
          routes: [ { service: app } ]
        - { name: plain, address: 127.0.0.1:0, redirectToHttps: { port: 8443 } }
      services:
        app: { backends: [ { address: ${backend.address} } ] }
    `,
    'test.yaml',
  );
  if (!result.ok) throw new Error(result.errors.map(formatConfigError).join('\n'));
  log = captureLogger();
  fulcrum = await Fulcrum.start(result.config, { logger: log.logger });
  httpsPort = fulcrum.address('secure').port;
  httpPort = fulcrum.address('plain').port;
});

after(async () => {
  await fulcrum.close();
  await backend.close();
  pki.remove();
});

function curl(host: string, path = '/', extra: string[] = []) {
  // HTTP/1.1 pinned: the listener also offers h2 by ALPN (test/h2 covers that path)
  return run('curl', ['-sS', '-i', '--http1.1', '--max-time', '5', '--cacert', ca.cert, '--resolve', `${host}:${httpsPort}:127.0.0.1`, ...extra, `https://${host}:${httpsPort}${path}`]);
}

function sClient(args: string[]) {
  return run('openssl', ['s_client', '-connect', `127.0.0.1:${httpsPort}`, '-CAfile', ca.cert, ...args], { input: '', timeoutMs: 10_000 });
}

/** The certificate a new handshake gets for `servername`. */
async function servedCertificate(servername: string | undefined): Promise<X509Certificate> {
  const socket = tls.connect({ host: '127.0.0.1', port: httpsPort, ...(servername && { servername }), rejectUnauthorized: false });
  await once(socket, 'secureConnect');
  const cert = socket.getPeerX509Certificate()!;
  socket.destroy();
  return cert;
}

test('certificates by SNI: exact, wildcard, default; HSTS on responses', async () => {
  const a = await curl('a.test', '/hello');
  assert.equal(a.code, 0, a.stderr);
  assert.match(a.stdout, /^HTTP\/1\.1 200/);
  assert.match(a.stdout, /backend GET \/hello/);
  assert.match(a.stdout, /strict-transport-security: max-age=3600; includeSubDomains\r\n/i);
  const w = await curl('x.wild.test');
  assert.equal(w.code, 0, w.stderr);
  assert.match(w.stdout, /^HTTP\/1\.1 200/);
  assert.match((await servedCertificate('deep.x.wild.test')).subject, /CN=default\.test/, 'a wildcard covers one label only');
  assert.match((await servedCertificate(undefined)).subject, /CN=default\.test/);
  assert.match((await servedCertificate('unknown.test')).subject, /CN=default\.test/);
  const forwarded = backend.requests.at(-1)!;
  assert.equal(forwarded.headers['x-forwarded-proto'], 'https');
});

test('TLS 1.2 and 1.3 only, AEAD ciphers only, ALPN http/1.1', async () => {
  // a control server that does allow TLS 1.0: proves the client below really offers it
  const control = tls.createServer({ cert: await readText(fallback.cert), key: await readText(fallback.key), minVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' }, (s) => s.end());
  control.listen(0, '127.0.0.1');
  await once(control, 'listening');
  const controlPort = (control.address() as { port: number }).port;
  const old = await run('openssl', ['s_client', '-connect', `127.0.0.1:${controlPort}`, '-tls1', '-cipher', 'DEFAULT:@SECLEVEL=0'], { input: '' });
  control.close();
  assert.match(old.stdout, /Protocol *: TLSv1\b/, `control: TLS 1.0 works with this client\n${old.stdout}${old.stderr}`);
  assert.doesNotMatch(old.stdout, /Cipher is \(NONE\)/, `control: TLS 1.0 works with this client\n${old.stdout}${old.stderr}`);

  for (const version of ['-tls1', '-tls1_1']) {
    const refused = await sClient([version, '-cipher', 'DEFAULT:@SECLEVEL=0', '-servername', 'a.test']);
    assert.notEqual(refused.code, 0, `${version} must fail`);
    assert.match(refused.stdout, /Cipher is \(NONE\)/, 'no session was established');
  }
  const v12 = await sClient(['-tls1_2', '-servername', 'a.test', '-alpn', 'http/1.1']);
  assert.equal(v12.code, 0, v12.stderr);
  assert.match(v12.stdout, /Protocol *: TLSv1\.2/);
  assert.match(v12.stdout, /Cipher *: ECDHE-ECDSA-AES(128|256)-GCM-SHA(256|384)|ECDHE-ECDSA-CHACHA20-POLY1305/);
  assert.match(v12.stdout, /ALPN protocol: http\/1\.1/);
  assert.match(v12.stdout, /Verify return code: 0 \(ok\)/);
  const v13 = await sClient(['-tls1_3', '-servername', 'a.test']);
  assert.equal(v13.code, 0, v13.stderr);
  assert.match(v13.stdout, /New, TLSv1\.3, Cipher is TLS_(AES_128_GCM_SHA256|AES_256_GCM_SHA384|CHACHA20_POLY1305_SHA256)/);
  // CBC without AEAD, even with ECDHE, is refused
  const cbc = await sClient(['-tls1_2', '-cipher', 'ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA384:@SECLEVEL=0', '-servername', 'a.test']);
  assert.notEqual(cbc.code, 0, 'a weak cipher must fail');
});

test('a Host that does not match the SNI gets 421; http redirects to https with 301', async () => {
  const misdirected = await curl('a.test', '/', ['-H', 'Host: other.test']);
  assert.match(misdirected.stdout, /^HTTP\/1\.1 421/);
  const ok = await curl('a.test', '/', ['-H', `Host: a.test:${httpsPort}`]);
  assert.match(ok.stdout, /^HTTP\/1\.1 200/);
  const redirect = await run('curl', ['-sS', '-i', '--max-time', '5', '-H', 'Host: shop.test', `http://127.0.0.1:${httpPort}/cart/items?id=7&x=%20y`]);
  assert.match(redirect.stdout, /^HTTP\/1\.1 301/);
  assert.match(redirect.stdout, /\r\nLocation: https:\/\/shop\.test:8443\/cart\/items\?id=7&x=%20y\r\n/);
});

test('certificate files are reloaded: new handshakes get the new one, open connections keep theirs, broken PEM keeps the old', async () => {
  const before = await servedCertificate('a.test');
  // a connection opened before the change
  const open = tls.connect({ host: '127.0.0.1', port: httpsPort, servername: 'a.test', ca: await readText(ca.cert) });
  await once(open, 'secureConnect');

  const renewed = ca.issue('renewed', ['a.test']);
  copyFileSync(renewed.key, live.key);
  copyFileSync(renewed.cert, live.cert);
  const renewedFingerprint = new X509Certificate(await readText(renewed.cert)).fingerprint256;
  const until = Date.now() + 5_000;
  let now = before;
  while (now.fingerprint256 !== renewedFingerprint && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 20));
    now = await servedCertificate('a.test');
  }
  assert.equal(now.fingerprint256, renewedFingerprint, 'new handshakes see the new certificate');
  assert.notEqual(before.fingerprint256, renewedFingerprint);

  // the connection from before still works, on its old certificate
  assert.equal(open.getPeerX509Certificate()!.fingerprint256, before.fingerprint256);
  open.write(`GET /still-open HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n`);
  let response = '';
  open.on('data', (c: Buffer) => (response += c.toString()));
  await once(open, 'end');
  open.destroy();
  assert.match(response, /^HTTP\/1\.1 200/);

  writeFileSync(live.cert, '-----BEGIN CERTIFICATE-----\nbroken\n-----END CERTIFICATE-----\n');
  await eventually(() => log.lines().some((l) => l.msg === 'certificate reload failed; the previous one stays in use'), 'the reload error to be logged');
  assert.equal((await servedCertificate('a.test')).fingerprint256, renewedFingerprint, 'the last good certificate stays');
});

async function readText(path: string): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  return readFile(path, 'utf8');
}
