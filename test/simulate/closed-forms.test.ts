// The simulator against what queueing theory and balls-into-bins say, through the real balancers.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { builtInScenario } from '../../src/simulate/builtin-scenarios.js';
import { runScenario } from '../../src/simulate/run.js';
import { validateScenario } from '../../src/simulate/scenario-load.js';
import type { Scenario, ScenarioInput } from '../../src/simulate/scenario-schema.js';

function scenario(input: ScenarioInput): Scenario {
  const result = validateScenario(input);
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.scenario;
}

function within(actual: number, expected: number, tolerance: number, what: string): void {
  const error = Math.abs(actual - expected) / expected;
  assert.ok(error <= tolerance, `${what}: ${actual} vs ${expected} (${(error * 100).toFixed(2)}% off, allowed ${tolerance * 100}%)`);
}

/** Erlang C: the probability that an arrival waits in an M/M/c queue with offered load a = λ/μ. */
function erlangC(c: number, a: number): number {
  let term = 1;
  let sum = 1;
  for (let k = 1; k < c; k++) {
    term *= a / k;
    sum += term;
  }
  const last = ((term * a) / c) * (c / (c - a));
  return last / (sum + last);
}

describe('simulate: closed forms', () => {
  it('M/M/1: mean wait ρ/(μ−λ) and mean time in system 1/(μ−λ), within 5%', () => {
    // μ = 1/ms (exponential 1 ms), λ = 0.7/ms
    const run = runScenario(
      scenario({
        name: 'mm1',
        servers: [{ name: 'only', concurrency: 1 }],
        arrivals: { type: 'poisson', rate: 700 },
        cost: { type: 'exponential', mean: 1 },
        requests: 400_000,
        algorithms: ['round-robin'],
      }),
    );
    const result = run.report.results[0]!;
    within(result.meanWaitMs, 0.7 / (1 - 0.7), 0.05, 'M/M/1 mean wait');
    within(run.figures[0]!.latency.mean, 1 / (1 - 0.7), 0.05, 'M/M/1 mean time in system');
  });

  it('M/M/c (Erlang C): mean wait C(c, a)/(cμ − λ) for c = 4, a = 3, within 5%', () => {
    const run = runScenario(
      scenario({
        name: 'mmc',
        servers: [{ name: 'only', concurrency: 4 }],
        arrivals: { type: 'poisson', rate: 3000 },
        cost: { type: 'exponential', mean: 1 },
        requests: 400_000,
        algorithms: ['round-robin'],
      }),
    );
    const expected = erlangC(4, 3) / (4 - 3);
    within(run.report.results[0]!.meanWaitMs, expected, 0.05, 'M/M/4 mean wait');
    within(run.figures[0]!.latency.mean, expected + 1, 0.05, 'M/M/4 mean time in system');
  });

  it('balls into bins: max load of random ≈ m/n + √(2 (m/n) ln n), of two choices ≈ m/n + ln ln n / ln 2', () => {
    // 100,000 requests that never finish before the last arrives, into 1,000 servers: in-flight is the load
    const run = runScenario(
      scenario({
        name: 'balls-into-bins',
        servers: [{ name: 'bin', count: 1000, concurrency: 1_000_000 }],
        arrivals: { type: 'poisson', rate: 1000 },
        cost: { type: 'constant', value: '1h' },
        requests: 100_000,
        algorithms: ['random', 'power-of-two'],
      }),
    );
    const [random, two] = run.report.results;
    const mean = 100;
    const randomPredicted = mean + Math.sqrt(2 * mean * Math.log(1000));
    const twoPredicted = mean + Math.log(Math.log(1000)) / Math.LN2;
    within(random!.peakInflight, randomPredicted, 0.08, 'random max load');
    assert.ok(two!.peakInflight <= twoPredicted + 2, `two choices max load ${two!.peakInflight}, predicted ${twoPredicted.toFixed(1)} (+2)`);
    assert.ok(two!.peakInflight < random!.peakInflight - 20);
  });

  it('balls into bins, n into n: random ≈ ln n / ln ln n, two choices ≈ ln ln n / ln 2', () => {
    const run = runScenario(
      scenario({
        name: 'n-into-n',
        servers: [{ name: 'bin', count: 10_000, concurrency: 1_000_000 }],
        arrivals: { type: 'poisson', rate: 1000 },
        cost: { type: 'constant', value: '1h' },
        requests: 10_000,
        algorithms: ['random', 'power-of-two'],
      }),
    );
    const [random, two] = run.report.results;
    // n = 10,000: ln n / ln ln n ≈ 4.1, and the max is a little above it in practice (6–8); ln ln n / ln 2 ≈ 3.2
    assert.ok(random!.peakInflight >= 5 && random!.peakInflight <= 9, `random: ${random!.peakInflight}`);
    assert.ok(two!.peakInflight >= 3 && two!.peakInflight <= 4, `two choices: ${two!.peakInflight}`);
  });

  it('consistent hashing: a server joining 10 moves ≈ 1/11 of the keys, one leaving 10 moves ≈ 1/10; ip-hash moves most', () => {
    const joined = runScenario(builtInScenario('hash-remap')!);
    const byLabel = new Map(joined.report.results.map((r) => [r.label, r]));
    within(byLabel.get('consistent-hash')!.remapped!, 1 / 11, 0.3, 'consistent-hash remap on join');
    within(byLabel.get('maglev')!.remapped!, 1 / 11, 0.3, 'maglev remap on join');
    assert.ok(byLabel.get('ip-hash')!.remapped! > 0.5);

    const left = runScenario(
      scenario({
        name: 'leave',
        servers: [{ name: 'cache', count: 10, concurrency: 64 }],
        arrivals: { type: 'poisson', rate: 2000 },
        cost: { type: 'exponential', mean: 5 },
        requests: 10_000,
        events: [{ at: '2s', action: 'leave', server: 'cache-4' }],
        algorithms: ['consistent-hash', 'maglev'],
      }),
    );
    for (const r of left.report.results) within(r.remapped!, 1 / 10, 0.3, `${r.label} remap on leave`);
  });
});
