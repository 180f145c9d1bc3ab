// examples/embed.ts, compiled by the build against the package's public entry ('fulcrum', resolved
// through package.json `exports`), run as a user would run it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const example = fileURLToPath(new URL('../../examples/embed.js', import.meta.url));
const source = fileURLToPath(new URL('../../../examples/embed.ts', import.meta.url));

test('examples/embed.ts imports only the public entry, and runs: custom algorithm, custom middleware, close', async () => {
  assert.match(readFileSync(source, 'utf8'), /from 'fulcrum';/);
  assert.doesNotMatch(readFileSync(source, 'utf8'), /from '\.\.?\//, 'no relative imports into the sources');
  const { stdout } = await run(process.execPath, [example], { timeout: 20_000 });
  assert.deepEqual(stdout.trim().split('\n'), ['without a key: 401', 'with a key: 200 hello acme via fulcrum', 'service app algorithm fewest-total requests 1']);
});
