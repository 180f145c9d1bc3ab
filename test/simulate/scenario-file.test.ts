// Scenario files: validated like the config, with file:line:column and a key path per problem.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { formatConfigError } from '../../src/config/errors.js';
import { loadScenarioFile, parseScenarioText } from '../../src/simulate/scenario-load.js';

const run = promisify(execFile);
const CLI = join(import.meta.dirname, '../../src/cli/main.js');

const VALID = `name: two-servers
claim: least connections beats round robin when one server is slow
servers:
  - { name: fast, concurrency: 2 }
  - { name: slow, concurrency: 2, speed: 0.2 }
arrivals: { type: poisson, rate: 100 }
cost: { type: exponential, mean: 5ms }
requests: 5000
algorithms: [round-robin, least-connections]
events:
  - { at: 5s, action: slow, server: fast, speed: 0.5 }
expect:
  - { metric: p99, of: least-connections, below: round-robin }
`;

function errorsOf(text: string): string[] {
  const result = parseScenarioText(text, 'sc.yaml');
  assert.equal(result.ok, false);
  return result.ok ? [] : result.errors.map(formatConfigError);
}

describe('simulate: scenario files', () => {
  it('a valid file parses, with defaults filled in', () => {
    const result = parseScenarioText(VALID, 'sc.yaml');
    assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
    assert.equal(result.scenario.seed, 1);
    assert.equal(result.scenario.cost.type, 'exponential');
    assert.equal(result.scenario.events[0]!.at, 5000);
  });

  it('unknown keys, bad names, bad durations and bad distributions are reported where they are written', () => {
    const text = VALID.replace('concurrency: 2 }', 'concurency: 2 }')
      .replace('[round-robin, least-connections]', '[round-robin, least-conections]')
      .replace('mean: 5ms', 'mean: soon')
      .replace('type: poisson', 'type: poison');
    const errors = errorsOf(text);
    assert.ok(errors.includes(`sc.yaml:4:19 servers[0].concurency: unknown key 'concurency' (did you mean 'concurrency'?)`), errors.join('\n'));
    assert.ok(
      errors.some((e) => e.startsWith('sc.yaml:9:27 algorithms[1]:')),
      errors.join('\n'),
    );
    assert.ok(errors.includes('sc.yaml:7:34 cost.mean: expected a duration like "5s" or "250ms", got "soon"'), errors.join('\n'));
    assert.ok(
      errors.some((e) => e.startsWith('sc.yaml:6:19 arrivals.type: expected poisson | bursts')),
      errors.join('\n'),
    );
  });

  it('events name existing servers and rules name existing algorithms', () => {
    const errors = errorsOf(VALID.replace('server: fast, speed', 'server: quick, speed').replace('below: round-robin', 'below: rr'));
    assert.ok(errors.includes("sc.yaml:11:37 events[0].server: no server named 'quick' (servers: fast, slow)"), errors.join('\n'));
    assert.ok(errors.includes("sc.yaml:13:50 expect[0].below: no algorithm labelled 'rr' (labels: round-robin, least-connections)"), errors.join('\n'));
  });

  it('a missing section and YAML syntax errors', () => {
    assert.ok(errorsOf(VALID.replace(/^cost:.*\n/m, '')).includes("sc.yaml:1:1 cost: missing required key 'cost'"));
    assert.match(errorsOf('name: [unclosed\n')[0]!, /^sc\.yaml:\d+:\d+ YAML syntax error/);
  });

  it('`fulcrum simulate -c` runs a file, and exits 1 with the positioned errors of a bad one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fulcrum-sim-file-'));
    try {
      const good = join(dir, 'good.yaml');
      await writeFile(good, VALID);
      const ok = await run(process.execPath, [CLI, 'simulate', '-c', good, '--json']);
      const report = JSON.parse(ok.stdout) as { scenario: string; supported: boolean; results: unknown[] };
      assert.equal(report.scenario, 'two-servers');
      assert.equal(report.results.length, 2);
      const bad = join(dir, 'bad.yaml');
      await writeFile(bad, VALID.replace('rate: 100', 'rate: -1'));
      await assert.rejects(run(process.execPath, [CLI, 'simulate', '-c', bad]), (error: { code: number; stderr: string }) => {
        assert.equal(error.code, 1);
        assert.match(error.stderr, /bad\.yaml:6:34 arrivals\.rate: expected requests per second above 0, got -1/);
        return true;
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('simulate: the example scenario', () => {
  it('examples/simulate/everything.yaml (every field, as docs/simulate.md shows it) is valid', async () => {
    const result = await loadScenarioFile(join(import.meta.dirname, '../../../examples/simulate/everything.yaml'));
    assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
    assert.equal(result.scenario.algorithms.length, 5);
    assert.equal(result.scenario.events.length, 5);
  });
});
