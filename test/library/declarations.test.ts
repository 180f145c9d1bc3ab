// The package as a user installs it: its declarations (dist/src/*.d.ts, through package.json
// `exports`) type-check a consumer project strictly, skipLibCheck off; `npm pack` ships no tests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../../', import.meta.url));

const CONSUMER = `
import { checkBalancer, type BalancerProperty } from 'fulcrum/testing';
import { ConfigError, start, type Middleware, type RunningFulcrum, type ServiceSnapshot } from 'fulcrum';
export async function use(): Promise<readonly ServiceSnapshot[]> {
  const auth: Middleware = { onRequest: (request) => (request.headers.has('authorization') ? undefined : { status: 401 }) };
  try {
    const running: RunningFulcrum = await start({ config: 'fulcrum.yaml', middlewares: { auth: () => auth } });
    checkBalancer(() => ({ name: 'none', usesKey: false, pick: () => undefined }));
    const props: BalancerProperty[] = [];
    void props;
    return running.services();
  } catch (error) {
    if (error instanceof ConfigError) return error.messages.map((m) => ({ name: m, algorithm: '', backends: [], removing: [] }));
    throw error;
  }
}
`;

test('a strict consumer project type-checks against the emitted declarations (examples/embed.ts included)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fulcrum-consumer-'));
  try {
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(root, join(dir, 'node_modules', 'fulcrum'));
    symlinkSync(join(root, 'node_modules', '@types'), join(dir, 'node_modules', '@types'));
    copyFileSync(join(root, 'examples', 'embed.ts'), join(dir, 'embed.ts'));
    writeFileSync(join(dir, 'use.ts'), CONSUMER);
    writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
    const compilerOptions = { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', types: ['node'], strict: true, noEmit: true, skipLibCheck: false, rootDir: '.' };
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['embed.ts', 'use.ts'] }));
    const tsc = join(root, 'node_modules', '.bin', 'tsc');
    const result: { stdout: string; code?: number } = await run(tsc, ['-p', join(dir, 'tsconfig.json')], { timeout: 120_000 }).catch((error: { stdout: string; code: number }) => error);
    assert.equal(result.stdout.trim(), '', 'no type errors');
    assert.equal(result.code ?? 0, 0, 'tsc exit code');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('package.json: types and exports point at emitted files; files ship no tests, bench or source maps', () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { types: string; exports: Record<string, { types: string; default: string }>; files: string[] };
  for (const entry of ['.', './testing']) {
    const target = pkg.exports[entry]!;
    assert.ok(readFileSync(join(root, target.types), 'utf8').length > 0, target.types);
    assert.ok(readFileSync(join(root, target.default), 'utf8').length > 0, target.default);
  }
  assert.ok(readFileSync(join(root, pkg.types), 'utf8').includes('start'));
  for (const pattern of pkg.files) assert.doesNotMatch(pattern, /test|bench|\.map/, pattern);
});
