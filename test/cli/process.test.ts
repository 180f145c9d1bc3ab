// The process around `fulcrum start`: its name, --pid-file, `fulcrum reload` and `fulcrum stop`,
// SIGUSR1 (log files reopened, never the inspector), SIGHUP (reload and reopen), --version.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rename, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import http from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { MAIN, startFulcrumProcess } from '../helpers/fulcrum-process.js';
import { refused, startHeldBackend, untilLogged, type HeldBackend } from './process-helpers.js';

const exec = promisify(execFile);
const fulcrum = (...args: string[]) => exec(process.execPath, [MAIN, ...args], { timeout: 20_000 });

const config = (backendPort: number, extra = '') => `
listeners:
  - { name: web, address: 127.0.0.1:0, protocol: http, routes: [ { service: api } ] }
services:
  api: { backends: [ { address: 127.0.0.1:${backendPort} } ] }
admin: { address: 127.0.0.1:0, token: s3cret }
${extra}
`;

function get(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: '/fast', agent: false }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk));
        res.on('end', () => resolve(body));
      })
      .on('error', reject);
  });
}

describe('fulcrum process control', () => {
  let backend: HeldBackend;
  let dir: string;
  before(async () => {
    backend = await startHeldBackend();
    dir = await mkdtemp(join(tmpdir(), 'fulcrum-cli-'));
  });
  after(async () => {
    await backend.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('--version prints the package version', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
    const { stdout } = await fulcrum('--version');
    assert.equal(stdout.trim(), pkg.version);
  });

  test('process.title is fulcrum: /proc/PID/cmdline and pidof see it', async () => {
    const proc = await startFulcrumProcess(config(backend.port));
    try {
      const cmdline = readFileSync(`/proc/${proc.pid}/cmdline`, 'utf8');
      assert.equal(cmdline.split('\0')[0], 'fulcrum');
      const { stdout } = await exec('pidof', ['fulcrum']);
      assert.ok(stdout.trim().split(/\s+/).includes(String(proc.pid)), `pidof fulcrum: ${stdout}`);
    } finally {
      await proc.stop();
    }
  });

  test('--pid-file: written at start; `fulcrum reload -p` reloads (and reopens logs); `fulcrum stop -p` stops; removed at exit', async () => {
    const pidFile = join(dir, 'fulcrum.pid');
    const started = await startFulcrumProcess(config(backend.port), 1, 10_000, ['--pid-file', pidFile]);
    try {
      await untilLogged(started, 'admin API listening');
      assert.equal(readFileSync(pidFile, 'utf8').trim(), String(started.pid));
      const reloaded = untilLogged(started, '"reloaded"');
      await fulcrum('reload', '-p', pidFile);
      await reloaded;
      assert.match(started.log(), /"signal":"SIGHUP".*log files reopened/);
      const { stdout } = await fulcrum('stop', '-p', pidFile);
      assert.match(stdout, /stopped/);
      assert.equal(await started.exited, 0);
      assert.equal(existsSync(pidFile), false, 'the pid file is removed at exit');
    } finally {
      await started.stop();
    }
  });

  test('`fulcrum reload --admin URL --token T` reloads through the admin API; a wrong token fails', async () => {
    const proc = await startFulcrumProcess(config(backend.port));
    try {
      await untilLogged(proc, 'admin API listening');
      const address = /"address":"([^"]+)"[^\n]*admin API listening/.exec(proc.log())![1]!;
      const { stdout } = await fulcrum('reload', '--admin', `http://${address}`, '--token', 's3cret');
      assert.equal((JSON.parse(stdout) as { ok: boolean }).ok, true);
      await assert.rejects(fulcrum('reload', '--admin', `http://${address}`, '--token', 'wrong'), (error: { code: number; stderr: string }) => error.code === 1 && /401/.test(error.stderr));
    } finally {
      await proc.stop();
    }
  });

  test('SIGUSR1 reopens the access log file and never starts the inspector; the process still serves', async () => {
    const access = join(dir, 'access.log');
    const started = await startFulcrumProcess(config(backend.port, `log: { level: info, access: { destination: ${access}, fields: [path, status] } }`));
    try {
      const port = started.ports.get('web')!;
      assert.equal(await get(port), 'fast');
      await rename(access, access + '.1');
      started.child.kill('SIGUSR1');
      await untilLogged(started, 'log files reopened');
      assert.equal(await refused(9229), true, 'nothing listens on 127.0.0.1:9229');
      assert.doesNotMatch(started.log(), /Debugger listening/);
      assert.equal(await get(port), 'fast', 'the process still serves');
      started.child.kill('SIGTERM');
      assert.equal(await started.exited, 0);
      assert.match(await readFile(access + '.1', 'utf8'), /"status":200/);
      assert.equal((await readFile(access, 'utf8')).trim().split('\n').length, 1, 'the request after SIGUSR1 went to the new file');
    } finally {
      await started.stop();
    }
  });
});
