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
