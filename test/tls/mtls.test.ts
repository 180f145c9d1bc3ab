import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { parseConfigText, formatConfigError } from '../../src/config/index.js';
import { Fulcrum } from '../../src/fulcrum.js';
import { startHttpBackend } from '../helpers/http-backend.js';
import { TestCa, tempDir, type CertFiles } from '../helpers/pki.js';
import { run } from '../helpers/l4.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { yaml } from '../helpers/fulcrum.js';

let pki: ReturnType<typeof tempDir>;
let ca: TestCa;
let clientCa: TestCa;
let rogueCa: TestCa;
let server: CertFiles;
let alice: CertFiles;
let mallory: CertFiles;

before(() => {
  pki = tempDir();
  ca = TestCa.create(pki.dir, 'server-ca');
  clientCa = TestCa.create(pki.dir, 'client-ca');
  rogueCa = TestCa.create(pki.dir, 'rogue-ca');
  server = ca.issue('server', ['secure.test']);
  alice = clientCa.issue('alice', [], { cn: 'alice' });
  mallory = rogueCa.issue('mallory', [], { cn: 'mallory' });
});
after(() => pki.remove());

async function start(text: string, logger = captureLogger()): Promise<Fulcrum> {
  const result = parseConfigText(text, 'test.yaml');
  if (!result.ok) throw new Error(result.errors.map(formatConfigError).join('\n'));
  return Fulcrum.start(result.config, { logger: logger.logger });
}

test('mTLS: a verified client certificate reaches the backend in headers; none, or a foreign CA, is refused', async () => {
  const backend = await startHttpBackend();
  const fulcrum = await start(yaml`
    listeners:
      - name: secure
        address: 127.0.0.1:0
        protocol: https
        tls:
          certificates: [ { cert: ${server.cert}, key: ${server.key} } ]
          clientAuth: { ca: ${clientCa.cert}, required: true }
        routes: [ { service: app } ]
      - name: optional
        address: 127.0.0.1:0
        protocol: https
        tls:
          certificates: [ { cert: ${server.cert}, key: ${server.key} } ]
          clientAuth: { ca: ${clientCa.cert}, required: false }
        routes: [ { service: app } ]
    services:
      app: { backends: [ { address: ${backend.address} } ] }
  `);
  const curl = (listener: string, extra: string[]) => {
    const port = fulcrum.address(listener).port;
    return run('curl', [
      '-sS',
      '-o',
      '/dev/null',
      '-w',
      '%{http_code}',
      '--max-time',
      '5',
      '--cacert',
      ca.cert,
      '--resolve',
      `secure.test:${port}:127.0.0.1`,
      '-H',
      'X-Client-Cert-Subject: CN=forged',
      '-H',
      'X-Client-Cert-Fingerprint: forged',
      ...extra,
      `https://secure.test:${port}/`,
    ]);
  };
  try {
    const ok = await curl('secure', ['--cert', alice.cert, '--key', alice.key]);
    assert.equal(ok.stdout, '200', ok.stderr);
    const seen = backend.requests.at(-1)!;
    assert.equal(seen.headers['x-client-cert-subject'], 'CN=alice,O=Fulcrum Tests');
    assert.equal(seen.headers['x-client-cert-fingerprint'], new X509Certificate(readFileSync(alice.cert)).fingerprint256);
    const count = backend.requests.length;
    const none = await curl('secure', []);
    assert.notEqual(none.stdout, '200', 'no client certificate');
    const rogue = await curl('secure', ['--cert', mallory.cert, '--key', mallory.key]);
    assert.notEqual(rogue.stdout, '200', 'a certificate from another CA');
    assert.equal(backend.requests.length, count, 'neither reached the backend');

    const anonymous = await curl('optional', []);
    assert.equal(anonymous.stdout, '200', anonymous.stderr);
    const stripped = backend.requests.at(-1)!;
    assert.equal(stripped.headers['x-client-cert-subject'], undefined, "a client's own copy is stripped");
    assert.equal(stripped.headers['x-client-cert-fingerprint'], undefined);
    const rogueOptional = await curl('optional', ['--cert', mallory.cert, '--key', mallory.key]);
    assert.notEqual(rogueOptional.stdout, '200', 'optional still refuses an untrusted certificate');
  } finally {
    await fulcrum.close();
    await backend.close();
  }
});

test('re-encryption: TLS to the backend with CA check, servername and a client certificate; insecureSkipVerify is logged', async () => {
  const backendCert = ca.issue('backend', ['backend.internal']);
  const fulcrumClient = clientCa.issue('fulcrum-client', [], { cn: 'fulcrum' });
  const seen: Array<{ servername: string | false | null; client: string | undefined; path: string | undefined }> = [];
  const tlsBackend = https.createServer(
    { cert: readFileSync(backendCert.cert), key: readFileSync(backendCert.key), ca: readFileSync(clientCa.cert), requestCert: true, rejectUnauthorized: false },
    (req, res) => {
      const socket = req.socket as import('node:tls').TLSSocket;
      seen.push({ servername: socket.servername, client: socket.authorized ? socket.getPeerX509Certificate()?.subject : undefined, path: req.url });
      res.end(`tls backend ${req.url}`);
    },
  );
  tlsBackend.listen(0, '127.0.0.1');
  await once(tlsBackend, 'listening');
  const backendPort = (tlsBackend.address() as { port: number }).port;
  const log = captureLogger();
  const fulcrum = await start(
    yaml`
      listeners:
        - { name: web, address: 127.0.0.1:0, routes: [ { match: { pathPrefix: /good }, service: good }, { match: { pathPrefix: /wrong }, service: wrong }, { service: insecure } ] }
      services:
        good:
          backends: [ { address: 127.0.0.1:${backendPort} } ]
          tls: { ca: ${ca.cert}, servername: backend.internal, cert: ${fulcrumClient.cert}, key: ${fulcrumClient.key} }
        wrong:
          backends: [ { address: 127.0.0.1:${backendPort} } ]
          tls: { ca: ${rogueCa.cert}, servername: backend.internal }
          retries: { attempts: 0 }
        insecure:
          backends: [ { address: 127.0.0.1:${backendPort} } ]
          tls: { insecureSkipVerify: true }
    `,
    log,
  );
  try {
    const url = (path: string) => `http://127.0.0.1:${fulcrum.address('web').port}${path}`;
    const good = await run('curl', ['-sS', '--max-time', '5', url('/good/1')]);
    assert.equal(good.stdout, 'tls backend /good/1');
    assert.deepEqual(seen.at(-1), { servername: 'backend.internal', client: 'CN=fulcrum\nO=Fulcrum Tests', path: '/good/1' });
    const again = await run('curl', ['-sS', '--max-time', '5', url('/good/2')]);
    assert.equal(again.stdout, 'tls backend /good/2');
    const wrong = await run('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '5', url('/wrong')]);
    assert.equal(wrong.stdout, '502', 'a backend certificate from an untrusted CA is refused');
    const insecure = await run('curl', ['-sS', '--max-time', '5', url('/other')]);
    assert.equal(insecure.stdout, 'tls backend /other');
    const warning = log.lines().find((l) => typeof l.msg === 'string' && l.msg.startsWith('INSECURE'));
    assert.ok(warning, 'insecureSkipVerify is logged at startup');
    assert.equal(warning.level, 40);
  } finally {
    await fulcrum.close();
    tlsBackend.closeAllConnections();
    tlsBackend.close();
  }
});
