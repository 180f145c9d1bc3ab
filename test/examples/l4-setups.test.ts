// The L4 examples doing their jobs: a real redis-server and a real PostgreSQL behind
// tcp-databases.yaml (redis-cli and psql through Fulcrum), and TLS backends with the example
// certificates behind tls-passthrough.yaml (openssl s_client and curl verify the backends' own
// certificates: Fulcrum did not terminate TLS).
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import type net from 'node:net';
import { closedPort, freePort, run, startRedis } from '../helpers/l4.js';
import { EXAMPLES_DIR, runExample } from './example-config.js';

const CERTS = join(EXAMPLES_DIR, 'certs');
/** Debian's PostgreSQL server binaries: /usr/lib/postgresql/<major>/bin */
const PG_ROOT = '/usr/lib/postgresql';

interface Postgres {
  port: number;
  stop(): Promise<void>;
}

/** A throwaway PostgreSQL cluster on a free loopback port (run as the `postgres` user when we are root), or why not. */
async function startPostgres(): Promise<Postgres | string> {
  const majors = existsSync(PG_ROOT) ? readdirSync(PG_ROOT).sort((a, b) => Number(b) - Number(a)) : [];
  const bin = majors.map((major) => join(PG_ROOT, major, 'bin')).find((dir) => existsSync(join(dir, 'initdb')));
  if (bin === undefined) return 'no PostgreSQL server installed (Debian package postgresql)';
  const dir = mkdtempSync(join(tmpdir(), 'fulcrum-pg-'));
  // postgres refuses to run as root: then the server runs as the `postgres` user (spawn's uid/gid)
  let user: { uid: number; gid: number } | Record<string, never> = {};
  if (process.getuid?.() === 0) {
    const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
    if (uid.code !== 0) return 'running as root without a postgres user to run the server as';
    user = { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
    chownSync(dir, user.uid, user.gid);
  }
  const pg = (file: string, args: string[]): ChildProcess => spawn(join(bin, file), args, { ...user, stdio: ['ignore', 'pipe', 'pipe'] });
  const init = pg('initdb', ['-D', join(dir, 'data'), '-A', 'trust', '-U', 'postgres', '--no-sync', '--no-instructions']);
  init.stdout!.resume();
  let initLog = '';
  init.stderr!.on('data', (chunk: Buffer) => (initLog += chunk.toString()));
  const [initCode] = (await once(init, 'exit')) as [number | null];
  if (initCode !== 0) {
    rmSync(dir, { recursive: true, force: true });
    return `initdb failed: ${initLog}`;
  }
  const port = await freePort();
  const child = pg('postgres', ['-D', join(dir, 'data'), '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off']);
  child.stdout!.resume();
  let log = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`postgres did not start:\n${log}`)), 20_000);
    child.stderr!.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes('ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`postgres exited (${code}):\n${log}`)));
  });
  return {
    port,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGINT'); // fast shutdown
        await once(child, 'exit');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

test('tcp-databases.yaml: redis-cli PING/SET/GET through Fulcrum to a real redis-server; the weight-0 standby gets nothing', async () => {
  const [primary, standby] = await Promise.all([startRedis(), startRedis()]);
  const example = await runExample('tcp-databases.yaml', {
    backends: {
      '127.0.0.1:6379': `127.0.0.1:${primary.port}`,
      '127.0.0.1:6381': `127.0.0.1:${standby.port}`,
      '127.0.0.1:5433': `127.0.0.1:${await closedPort()}`,
      '127.0.0.1:5434': `127.0.0.1:${await closedPort()}`,
    },
  });
  try {
    const port = String(example.port('redis'));
    const cli = (...args: string[]) => run('redis-cli', ['-h', '127.0.0.1', '-p', port, ...args]);
    assert.equal((await cli('PING')).stdout.trim(), 'PONG');
    assert.equal((await cli('SET', 'greeting', 'through fulcrum')).stdout.trim(), 'OK');
    assert.equal((await cli('GET', 'greeting')).stdout.trim(), 'through fulcrum');
    // a pipeline of 200 commands on one connection comes back whole and in order
    const pipeline = Array.from({ length: 200 }, () => `INCR counter\n`).join('');
    const counted = await run('redis-cli', ['-h', '127.0.0.1', '-p', port], { input: pipeline });
    assert.deepEqual(
      counted.stdout.trim().split('\n').map(Number),
      Array.from({ length: 200 }, (_, i) => i + 1),
    );
    const direct = (p: number, ...args: string[]) => run('redis-cli', ['-h', '127.0.0.1', '-p', String(p), ...args]);
    assert.equal((await direct(primary.port, 'GET', 'greeting')).stdout.trim(), 'through fulcrum', 'it landed on the primary');
    assert.equal((await direct(standby.port, 'DBSIZE')).stdout.trim(), '0', 'weight 0: the standby took no connection');
  } finally {
    await example.close();
    await Promise.all([primary.stop(), standby.stop()]);
  }
});

test('tcp-databases.yaml: psql through Fulcrum to a real PostgreSQL; the dead replica is skipped', async (t: TestContext) => {
  const pg = await startPostgres();
  if (typeof pg === 'string') {
    t.skip(pg);
    return;
  }
  const redis = await closedPort();
  const example = await runExample('tcp-databases.yaml', {
    backends: {
      '127.0.0.1:5433': `127.0.0.1:${pg.port}`,
      '127.0.0.1:5434': `127.0.0.1:${await closedPort()}`, // a replica that is down
      '127.0.0.1:6379': `127.0.0.1:${redis}`,
      '127.0.0.1:6381': `127.0.0.1:${await closedPort()}`,
    },
  });
  try {
    const port = String(example.port('postgres'));
    for (let i = 0; i < 6; i++) {
      const psql = await run('psql', ['-h', '127.0.0.1', '-p', port, '-U', 'postgres', '-d', 'postgres', '-XAtc', `SELECT ${i} + 40, current_setting('port')`]);
      assert.equal(psql.code, 0, psql.stderr);
      assert.equal(psql.stdout.trim(), `${i + 40}|${pg.port}`, 'every session reaches the live server (a refused connect moves on)');
    }
  } finally {
    await example.close();
    await pg.stop();
  }
});

/** A TLS web server with one of the example certificates, answering its name. */
async function tlsBackend(name: 'app1' | 'app2'): Promise<{ address: string; close(): void }> {
  const server = https.createServer({ cert: readFileSync(join(CERTS, `${name}.pem`)), key: readFileSync(join(CERTS, `${name}.key`)) }, (req, res) =>
    res.end(`${name} (TLS ${(req.socket as unknown as { getProtocol(): string }).getProtocol()}) saw ${req.headers.host}`),
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { address: `127.0.0.1:${(server.address() as net.AddressInfo).port}`, close: () => (server.closeAllConnections(), server.close()) };
}

test('tls-passthrough.yaml: routed by SNI to the TLS backend that holds the certificate, never terminated', async () => {
  const app1 = await tlsBackend('app1');
  const app2 = await tlsBackend('app2');
  const example = await runExample('tls-passthrough.yaml', { backends: { '127.0.0.1:9443': app1.address, '127.0.0.1:9444': app2.address } });
  try {
    const port = example.port('edge');
    const subject = async (args: string[]): Promise<string> => {
      const out = await run('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-CAfile', join(CERTS, 'ca.pem'), ...args], { input: '', timeoutMs: 10_000 });
      assert.match(out.stdout, /Verify return code: 0 \(ok\)/, out.stdout);
      return /subject=(.*)/.exec(out.stdout)?.[1] ?? '';
    };
    assert.match(await subject(['-servername', 'app1.example.test']), /CN ?= ?app1\.example\.test/);
    assert.match(await subject(['-servername', 'app2.example.test']), /CN ?= ?app2\.example\.test/);
    assert.match(await subject(['-servername', 'eu.app2.example.test', '-verify_hostname', 'app2.example.test']), /CN ?= ?app2\.example\.test/, 'the wildcard route');
    assert.match(await subject(['-noservername']), /CN ?= ?app1\.example\.test/, 'no SNI: the default service');
    const curl = (host: string) =>
      run('curl', ['-sS', '--http1.1', '--max-time', '5', '--cacert', join(CERTS, 'ca.pem'), '--resolve', `${host}:${port}:127.0.0.1`, `https://${host}:${port}/`]);
    const one = await curl('app1.example.test');
    assert.equal(one.code, 0, one.stderr);
    assert.match(one.stdout, new RegExp(`^app1 \\(TLS TLSv1\\.3\\) saw app1\\.example\\.test:${port}$`), 'the backend itself terminated the TLS session');
    assert.match((await curl('app2.example.test')).stdout, /^app2 /);
  } finally {
    await example.close();
    app1.close();
    app2.close();
  }
});
