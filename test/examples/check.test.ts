// Every config under examples/ passes `fulcrum check` as shipped: the built CLI is run on each file,
// as a user would, and must exit 0 with its "ok" line and no warning.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MAIN } from '../helpers/fulcrum-process.js';
import { run } from '../helpers/l4.js';
import { EXAMPLES_DIR, exampleFiles } from './example-config.js';

const files = exampleFiles();

test('examples/ holds at least the ten common setups (none can silently disappear)', () => {
  assert.ok(files.length >= 8, `only ${files.length} example configs: ${files.join(', ')}`);
  for (const name of [
    'tls-termination.yaml',
    'canary.yaml',
    'sticky-sessions.yaml',
    'tcp-databases.yaml',
    'tls-passthrough.yaml',
    'grpc.yaml',
    'websocket.yaml',
    'rate-limited-api.yaml',
    'static-site-api.yaml',
    'health-slow-start.yaml',
  ]) {
    assert.ok(files.includes(name), `examples/${name} is missing`);
  }
});

for (const file of files) {
  test(`fulcrum check -c examples/${file}`, async () => {
    const path = join(EXAMPLES_DIR, file);
    const result = await run(process.execPath, [MAIN, 'check', '-c', path]);
    assert.equal(result.code, 0, `${file}:\n${result.stdout}${result.stderr}`);
    assert.match(result.stdout, /: ok \(\d+ listeners?, \d+ services?(, gslb zone [\w.-]+)?\)/);
    assert.equal(result.stderr, '', `no warnings for ${file}: ${result.stderr}`);
    // a header comment says what it shows and how to run it
    const text = readFileSync(path, 'utf8');
    assert.match(text, /^# \S/, `${file} starts with a comment header`);
    assert.match(text.slice(0, text.search(/^[a-z]/m)), /fulcrum (start|check) -c examples\//, `${file}'s header says how to try it`);
  });
}
