import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import type { HealthCheckConfig } from '../../src/config/types.js';
import { Backend } from '../../src/pool/backend.js';
import { HttpCheck } from '../../src/health/http-check.js';
import { TcpCheck } from '../../src/health/tcp-check.js';
import { TlsCheck } from '../../src/health/tls-check.js';
import { startSwitchableBackend, type SwitchableBackend } from '../helpers/health.js';
import { closedPort } from '../helpers/raw-backend.js';

const backendAt = (port: number) => new Backend({ address: { host: '127.0.0.1', port }, weight: 1, maxConnections: 0 });
const httpConfig = (overrides: Partial<HealthCheckConfig> = {}): HealthCheckConfig => ({
  type: 'http',
  interval: 1000,
  timeout: 100,
  downInterval: 1000,
  jitter: 0,
  healthyThreshold: 1,
  unhealthyThreshold: 1,
  initialState: 'healthy',
  method: 'GET',
  path: '/healthz',
  expectStatus: [[200, 399]],
  ...overrides,
});
const within = (ms: number) => AbortSignal.timeout(ms);
const reason = async (promise: Promise<void>): Promise<string> =>
  promise.then(
    () => 'ok',
    (error: Error) => error.message,
  );

describe('probes', () => {
  let backend: SwitchableBackend;
  before(async () => {
    backend = await startSwitchableBackend('probe');
  });
  after(() => backend.close());

  it('tcp: a listening port passes, a closed one fails with the connect error', async () => {
    assert.equal(await reason(new TcpCheck().check(backendAt(backend.port), within(500))), 'ok');
    assert.equal(await reason(new TcpCheck().check(backendAt(await closedPort()), within(500))), 'connect: ECONNREFUSED');
  });

  it('http: status range, body regex, Host header, and a hang that ends at the timeout', async () => {
    const b = backendAt(backend.port);
    assert.equal(await reason(new HttpCheck(httpConfig()).check(b, within(500))), 'ok');
    backend.mode = 'fail';
    assert.equal(await reason(new HttpCheck(httpConfig()).check(b, within(500))), 'http: status 500');
    assert.equal(await reason(new HttpCheck(httpConfig({ expectStatus: [[500, 500]] })).check(b, within(500))), 'ok');
    assert.equal(await reason(new HttpCheck(httpConfig({ expectStatus: [[500, 500]], bodyRegex: '^ok$' })).check(b, within(500))), 'http: body does not match /^ok$/');
    backend.mode = 'hang';
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('timeout after 100 ms')), 100);
    const started = performance.now();
    assert.equal(await reason(new HttpCheck(httpConfig()).check(b, controller.signal)), 'timeout after 100 ms');
    assert.ok(performance.now() - started < 400);
    backend.mode = 'ok';
    assert.equal(await reason(new HttpCheck(httpConfig()).check(backendAt(await closedPort()), within(500))), 'http: ECONNREFUSED');
  });

  it('tls: a handshake passes (with the configured SNI), plain TCP fails', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fulcrum-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=health.test'], {
      stdio: 'ignore',
    });
    const names: Array<string | undefined> = [];
    const options = { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
    const server = tls.createServer(
      {
        ...options,
        SNICallback: (name, callback) => {
          names.push(name);
          callback(null, tls.createSecureContext(options));
        },
      },
      (socket) => socket.end(),
    );
    server.on('tlsClientError', () => {}); // the probe hangs up right after its handshake
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      assert.equal(await reason(new TlsCheck(undefined, 'health.test').check(backendAt(port), within(2000))), 'ok');
      assert.deepEqual(names, ['health.test']);
      const failure = await reason(new TlsCheck().check(backendAt(backend.port), within(2000)));
      assert.match(failure, /^tls: /);
    } finally {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
