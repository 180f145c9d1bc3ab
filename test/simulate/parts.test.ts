// The simulator's parts on their own: the event queue's order, the PRNG's repeatability, the
// distributions' means, burst arrivals, the histogram's precision.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type DistributionSpec, meanOf, sampler } from '../../src/simulate/distributions.js';
import { EventQueue } from '../../src/simulate/event-queue.js';
import { Histogram } from '../../src/simulate/histogram.js';
import { Prng } from '../../src/simulate/prng.js';
import { runScenario } from '../../src/simulate/run.js';
import { validateScenario } from '../../src/simulate/scenario-load.js';

describe('simulate: parts', () => {
  it('the event queue pops in time order, equal times in push order, and grows', () => {
    const q = new EventQueue(2);
    const rng = new Prng(5);
    const pushed: Array<[number, number]> = [];
    for (let i = 0; i < 5000; i++) {
      const t = Math.floor(rng.next() * 100);
      q.push(t, 0, i);
      pushed.push([t, i]);
    }
    pushed.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    const popped: Array<[number, number]> = [];
    while (q.pop()) popped.push([q.popTime, q.popA]);
    assert.deepEqual(popped, pushed);
  });

  it('the PRNG repeats for a seed, differs across seeds, and is uniform', () => {
    const a = new Prng(42);
    const b = new Prng(42);
    const c = new Prng(43);
    const xs = Array.from({ length: 100_000 }, () => a.next());
    assert.deepEqual(
      Array.from({ length: 100_000 }, () => b.next()),
      xs,
    );
    assert.notEqual(c.next(), xs[0]);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    assert.ok(Math.abs(mean - 0.5) < 0.005, `mean ${mean}`);
    assert.ok(xs.every((x) => x >= 0 && x < 1));
  });

  it('distributions have the means they claim', () => {
    const specs: DistributionSpec[] = [
      { type: 'constant', value: 7 },
      { type: 'exponential', mean: 20 },
      { type: 'uniform', min: 10, max: 30 },
      { type: 'bimodal', fast: 10, slow: 2000, slowShare: 0.05 },
      { type: 'pareto', scale: 10, alpha: 3 },
    ];
    const rng = new Prng(9);
    for (const spec of specs) {
      const draw = sampler(spec);
      let sum = 0;
      const n = 400_000;
      for (let i = 0; i < n; i++) sum += draw(rng);
      const mean = sum / n;
      assert.ok(Math.abs(mean - meanOf(spec)) / meanOf(spec) < 0.03, `${spec.type}: ${mean} vs ${meanOf(spec)}`);
    }
    // a capped pareto never goes above its cap
    const capped = sampler({ type: 'pareto', scale: 1, alpha: 1.1, max: 50 });
    for (let i = 0; i < 10_000; i++) assert.ok(capped(rng) <= 50);
  });

  it('burst arrivals: the long-run rate is the time-weighted mix of both rates', () => {
    const parsed = validateScenario({
      name: 'bursts',
      servers: [{ name: 's', concurrency: 1000 }],
      arrivals: { type: 'bursts', rate: 100, burstRate: 1000, every: '10s', burstLength: '1s' },
      cost: { type: 'constant', value: 1 },
      requests: 100_000,
      algorithms: ['round-robin'],
    });
    assert.ok(parsed.ok);
    const { report } = runScenario(parsed.scenario);
    // 0.9 × 100 + 0.1 × 1000 = 190 requests/s
    const rate = report.requests / (report.results[0]!.simulatedMs / 1000);
    assert.ok(Math.abs(rate - 190) / 190 < 0.03, `rate ${rate}`);
  });

  it('the histogram: quantiles within 1% of the exact ones, in fixed memory', () => {
    const h = new Histogram();
    const rng = new Prng(3);
    const values: number[] = [];
    for (let i = 0; i < 200_000; i++) {
      const v = -50 * Math.log(1 - rng.next());
      values.push(v);
      h.record(v);
    }
    values.sort((x, y) => x - y);
    for (const q of [0.5, 0.9, 0.95, 0.99, 0.999]) {
      const exact = values[Math.ceil(q * values.length) - 1]!;
      assert.ok(Math.abs(h.quantile(q) - exact) / exact < 0.01, `q${q}: ${h.quantile(q)} vs ${exact}`);
    }
    assert.equal(h.max, values.at(-1));
    assert.equal(h.count, 200_000);
  });
});

describe('simulate: slow start after a recovery', () => {
  it('a server back from the dead ramps up and reaches its full share (the ramp is ticked on the simulated clock)', () => {
    const parsed = validateScenario({
      name: 'recovery-ramp',
      servers: [{ name: 's', count: 5, concurrency: 8 }],
      arrivals: { type: 'poisson', rate: 1000 },
      cost: { type: 'exponential', mean: 20 },
      requests: 60_000,
      events: [
        { at: '5s', action: 'die', server: 's-2' },
        { at: '10s', action: 'recover', server: 's-2' },
      ],
      algorithms: [{ algorithm: 'weighted-round-robin', slowStart: '5s', healthCheck: { interval: '500ms', healthyThreshold: 2, unhealthyThreshold: 2 } }],
    });
    assert.ok(parsed.ok);
    const { report } = runScenario(parsed.scenario);
    const s2 = report.results[0]!.servers.find((s) => s.name === 's-2')!;
    // fair is 12,000; down ~6 s and ramping 5 s costs it ~1,700; stuck at 10% it would get ~2,300
    assert.ok(s2.requests > 9500 && s2.requests < 11_500, `s-2 got ${s2.requests}`);
  });
});
