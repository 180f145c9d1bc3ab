// `fulcrum start` in a child process under constant load (keep-alive and new connections):
// 20 reloads by SIGHUP and a backend added, re-weighted, drained and removed through the
// admin API, with 0 failed requests and 0 refused connections. Then an invalid file is
// refused on SIGHUP and the old config keeps serving.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { echoHandler, startHttpBackend, type HttpBackend } from '../helpers/http-backend.js';
import { adminCall } from '../helpers/admin.js';
import { startLoad } from '../helpers/load.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const RELOADS = 20;
const RATE = 300;

describe('reload under load (child process)', () => {
  const backends: HttpBackend[] = [];
  let dir: string;
  let file: string;
  let child: ChildProcess;
  let log = '';
  let webPort = 0;
  let adminUrl = '';

  const config = (i: number) => {
    const [a, b, , d] = backends.map((x) => x.address);
    return [
      'admin: { address: 127.0.0.1:0 }',
      'listeners:',
      '  - name: web',
      '    address: 127.0.0.1:0',
      '    routes:',
      `      - { match: { headers: { x-variant: "v${i}" } }, service: api }`,
      '      - service: api',
      ...(i % 2 === 0 ? ['  - { name: extra, address: 127.0.0.1:0, routes: [ { service: api } ] }'] : []),
      'services:',
      '  api:',
      '    drainTimeout: 2s',
      '    backends:',
      `      - { address: ${a} }`,
      `      - { address: ${b}, weight: ${1 + (i % 3)} }`,
      ...(i % 4 === 1 ? [`      - { address: ${d} }`] : []),
      '',
    ].join('\n');
  };
  const matches = (pattern: RegExp) => log.split('\n').filter((l) => pattern.test(l));
  const waitForLog = async (pattern: RegExp, count: number, ms = 5000) => {
    const until = Date.now() + ms;
    while (matches(pattern).length < count) {
      if (Date.now() > until) assert.fail(`timed out waiting for ${pattern} ×${count}; log:\n${log.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  };

  before(async () => {
    for (const name of ['a', 'b', 'c', 'd']) backends.push(await startHttpBackend(echoHandler(name)));
    dir = await mkdtemp(join(tmpdir(), 'fulcrum-reload-'));
    file = join(dir, 'fulcrum.yaml');
    await writeFile(file, config(0));
    child = spawn(process.execPath, [MAIN, 'start', '-c', file], { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (text: string) => (log += text));
    await waitForLog(/"admin API listening"/, 1);
    const listening = (name: string) => JSON.parse(matches(new RegExp(`"listener":"${name}".*"listening"`))[0]!) as { address: string };
    webPort = Number(listening('web').address.split(':').pop());
    const admin = JSON.parse(matches(/"admin API listening"/)[0]!) as { address: string };
    adminUrl = `http://${admin.address}`;
  });

  after(async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    await Promise.all(backends.map((b) => b.close()));
    await rm(dir, { recursive: true, force: true });
  });

  test(`${RELOADS} SIGHUP reloads and admin changes at ${RATE} req/s: 0 failed, 0 refused`, async () => {
    const api = (method: string, path: string, body?: unknown) => adminCall(adminUrl, method, `/api/v1/services/api/backends${path}`, body);
    const [, b, c] = backends;
    const load = startLoad(webPort, RATE);
    const started = Date.now();
    await new Promise((r) => setTimeout(r, 300));
    for (let i = 1; i <= RELOADS; i++) {
      await writeFile(file, config(i));
      child.kill('SIGHUP');
      await waitForLog(/"msg":"reloaded"/, i);
      if (i === 4) assert.equal((await api('POST', '', { address: c!.address, weight: 1 })).status, 201);
      if (i === 8) assert.equal((await api('PATCH', `/${c!.address}`, { weight: 3 })).status, 200);
      if (i === 11) assert.equal((await api('PATCH', `/${b!.address}`, { drain: true })).status, 200);
      if (i === 14) assert.equal((await api('DELETE', `/${c!.address}`)).status, 202);
      if (i === 17) assert.equal((await api('PATCH', `/${b!.address}`, { drain: false })).status, 200);
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 300));
    const report = await load.stop();
    const seconds = (Date.now() - started) / 1000;
    const durations = matches(/"msg":"reloaded"/).map((l) => (JSON.parse(l) as { durationMs: number }).durationMs);
    const mean = durations.reduce((s, x) => s + x, 0) / durations.length;
    console.log(
      `# reload under load: ${report.sent} requests in ${seconds.toFixed(1)} s (${(report.sent / seconds).toFixed(0)} req/s), ` +
        `${report.ok} ok, ${report.failed} failed, ${report.refused} refused; ${durations.length} reloads, ` +
        `${mean.toFixed(2)} ms mean, ${Math.max(...durations).toFixed(2)} ms max per reload`,
    );
    assert.equal(report.failed, 0, report.errors.join('\n'));
    assert.equal(report.refused, 0, report.errors.join('\n'));
    assert.equal(report.ok, report.sent);
    assert.ok(report.sent >= RATE * 2, `sent ${report.sent}`);
    assert.equal(durations.length, RELOADS);
    assert.ok(backends[2]!.requests.length > 0, 'the backend added at runtime took requests');
    assert.ok(backends[3]!.requests.length > 0, 'the backend added by a reload took requests');
    // the runtime changes survived every reload: c was removed again, b's drain undone
    const view = (await adminCall(adminUrl, 'GET', '/api/v1/services/api')).body;
    assert.deepEqual(
      view.backends.map((x: { address: string }) => x.address),
      [backends[0]!.address, b!.address],
    );
    assert.equal(view.backends[1].draining, false);
  });

  test('an invalid file on SIGHUP is refused with its errors; the old config keeps serving', async () => {
    const reloadsBefore = matches(/"msg":"reloaded"/).length;
    await writeFile(file, config(0).replace('drainTimeout: 2s', 'drainTimeout: later'));
    child.kill('SIGHUP');
    await waitForLog(/reload refused/, 1);
    const refused = JSON.parse(matches(/reload refused/)[0]!) as { errors: string[] };
    assert.match(refused.errors[0]!, /services\.api\.drainTimeout: expected a duration/);
    assert.equal(matches(/"msg":"reloaded"/).length, reloadsBefore);
    const res = await request(`http://127.0.0.1:${webPort}/still`);
    assert.equal(res.statusCode, 200);
    assert.match(await res.body.text(), /^[ab] GET \/still/);
    const viaAdmin = await adminCall(adminUrl, 'POST', '/api/v1/reload');
    assert.equal(viaAdmin.status, 422);
    assert.match(viaAdmin.body.errors[0], /drainTimeout/);
  });
});
