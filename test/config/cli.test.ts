// Runs the built CLI as a user would: `node dist/src/cli/main.js check -c FILE`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const main = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

function runCli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [main, ...args], { cwd: repoRoot }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

test('fulcrum check: exit 0 and a summary for a valid file', async () => {
  const { code, stdout, stderr } = await runCli('check', '-c', 'examples/basic.yaml');
  assert.equal(stderr, '');
  assert.equal(stdout, 'examples/basic.yaml: ok (1 listener, 2 services)\n');
  assert.equal(code, 0);
});

test('fulcrum check: exit 1 and every error on stderr for an invalid file', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'fulcrum-check-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'bad.yaml');
  await writeFile(file, ['listeners:', '  - name: web', '    adress: 127.0.0.1:0', '    routes: [ { service: nope } ]', 'services: {}', ''].join('\n'));
  const { code, stdout, stderr } = await runCli('check', '-c', file);
  assert.equal(code, 1);
  assert.equal(stdout, '');
  const lines = stderr.trimEnd().split('\n');
  assert.deepEqual(lines, [
    `${file}:2:5 listeners[0].address: missing required key 'address'`,
    `${file}:3:5 listeners[0].adress: unknown key 'adress' (did you mean 'address'?)`,
    `${file}:4:26 listeners[0].routes[0].service: unknown service 'nope'; no services are defined`,
    `${file}: 3 errors`,
  ]);
});

test('fulcrum check: a missing file is one clean error, no stack', async () => {
  const { code, stderr } = await runCli('check', '-c', 'does-not-exist.yaml');
  assert.equal(code, 1);
  assert.match(stderr, /^does-not-exist\.yaml:1:1 cannot read the configuration: file not found\n/);
  assert.doesNotMatch(stderr, /\n\s+at /);
});

test('fulcrum check --print: the effective config as YAML on stdout, which check accepts again; the verdict on stderr', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'fulcrum-print-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const printed = await runCli('check', '-c', 'examples/basic.yaml', '--print');
  assert.equal(printed.code, 0);
  assert.equal(printed.stderr, 'examples/basic.yaml: ok (1 listener, 2 services)\n');
  assert.match(printed.stdout, /^ {6}header: 10s$/m, 'a default, with its unit');
  const file = join(dir, 'printed.yaml');
  await writeFile(file, printed.stdout);
  const again = await runCli('check', '-c', file);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(again.stdout, `${file}: ok (1 listener, 2 services)\n`);
});

test('fulcrum check: different weights under round-robin are a warning naming file:line and the service, exit 0', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'fulcrum-check-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'weights.yaml');
  const lines = [
    'listeners:',
    '  - { name: web, address: 127.0.0.1:0, routes: [ { service: api } ] }',
    'services:',
    '  api:',
    '    algorithm: round-robin',
    '    backends: [ { address: 127.0.0.1:9001, weight: 9 }, { address: 127.0.0.1:9002, weight: 1 } ]',
    '  even:', // the same weights: nothing to warn about
    '    algorithm: round-robin',
    '    backends: [ { address: 127.0.0.1:9003, weight: 2 }, { address: 127.0.0.1:9004, weight: 2 }, { address: 127.0.0.1:9005, weight: 0 } ]',
    '  weighted:', // the default reads weights
    '    backends: [ { address: 127.0.0.1:9006, weight: 9 }, { address: 127.0.0.1:9007, weight: 1 } ]',
    '  least:', // so does least-connections
    '    algorithm: least-connections',
    '    backends: [ { address: 127.0.0.1:9008, weight: 9 }, { address: 127.0.0.1:9009, weight: 1 } ]',
    '',
  ];
  await writeFile(file, lines.join('\n'));
  const { code, stdout, stderr } = await runCli('check', '-c', file);
  assert.equal(code, 0);
  assert.equal(stdout, `${file}: ok (1 listener, 4 services)\n`);
  const warnings = stderr.trimEnd().split('\n');
  assert.equal(warnings.length, 1, stderr);
  assert.match(
    warnings[0]!,
    new RegExp(
      `^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:5:16 services\\.api\\.algorithm: warning: service 'api' has backends of different weights \\(9, 1\\) but round-robin ignores weights`,
    ),
  );
});
