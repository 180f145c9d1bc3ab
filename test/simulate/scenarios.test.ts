// Every built-in scenario settles its claim with the default seed, by its stated rule; the same seed
// gives byte-identical output (the report, the JSON, the charts, and the CLI's stdout).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { builtInNames, builtInScenario } from '../../src/simulate/builtin-scenarios.js';
import { chartsOf } from '../../src/simulate/output.js';
import { formatReport } from '../../src/simulate/report.js';
import { runScenario } from '../../src/simulate/run.js';

const run = promisify(execFile);
const CLI = join(import.meta.dirname, '../../src/cli/main.js');

describe('simulate: built-in scenarios', () => {
  it('are the eight of the issue', () => {
    assert.deepEqual(builtInNames().sort(), ['hash-remap', 'herd', 'join-no-slow-start', 'join-slow-start', 'mixed-fleet', 'server-dies', 'slow-server', 'variable-cost']);
  });

  for (const name of builtInNames()) {
    it(`${name}: the claim is supported with the default seed, by a stated rule`, () => {
      const { report } = runScenario(builtInScenario(name)!);
      assert.ok(report.claim.length > 0);
      assert.ok(report.rule.length > 0 && report.checks.length > 0);
      for (const check of report.checks) assert.ok(check.holds, `${name}: ${check.rule} does not hold (${check.observed})`);
      assert.equal(report.supported, true);
      assert.ok(report.results.length >= 2);
    });
  }
});

describe('simulate: determinism', () => {
  it('the same seed gives byte-identical reports and charts; another seed gives other figures', () => {
    const a = runScenario(builtInScenario('server-dies')!, { requests: 30_000 });
    const b = runScenario(builtInScenario('server-dies')!, { requests: 30_000 });
    assert.equal(JSON.stringify(a.report), JSON.stringify(b.report));
    assert.equal(formatReport(a.report), formatReport(b.report));
    assert.deepEqual(chartsOf(a), chartsOf(b));
    const c = runScenario(builtInScenario('server-dies')!, { requests: 30_000, seed: 2 });
    assert.notEqual(JSON.stringify(c.report.results), JSON.stringify(a.report.results));
  });

  it('the CLI prints the same bytes twice and writes the same files; --json has scenario, claim, supported, results', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fulcrum-sim-'));
    try {
      const args = [CLI, 'simulate', 'herd', '--seed', '7', '--requests', '20000', '--json'];
      const first = await run(process.execPath, [...args, '--out', join(dir, 'a')]);
      const second = await run(process.execPath, [...args, '--out', join(dir, 'b')]);
      assert.equal(first.stdout, second.stdout);
      for (const file of ['herd-latency.svg', 'herd-inflight.svg', 'herd.json', 'herd.txt']) {
        assert.equal(await readFile(join(dir, 'a', file), 'utf8'), await readFile(join(dir, 'b', file), 'utf8'), file);
      }
      const parsed = JSON.parse(first.stdout) as { scenario: string; claim: string; supported: boolean; results: Array<{ label: string }>; seed: number };
      assert.equal(parsed.scenario, 'herd');
      assert.match(parsed.claim, /Pick two random servers/);
      assert.equal(typeof parsed.supported, 'boolean');
      assert.deepEqual(
        parsed.results.map((r) => r.label),
        ['least-connections', 'power-of-two', 'random'],
      );
      assert.equal(parsed.seed, 7);
      const text = await run(process.execPath, [CLI, 'simulate', 'mixed-fleet', '--requests', '20000']);
      assert.match(text.stdout, /claim: "Weighted routing assigns proportional traffic based on server capacity\."/);
      assert.match(text.stdout, /supported: (yes|no)/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
