import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Backend } from '../../src/pool/backend.js';
import type { Balancer } from '../../src/balancing/balancer.js';
import { backends, ctx, end, make, start } from './helpers.js';

/** A request every millisecond; each backend answers after its current latency. */
class Simulation {
  now = 0;
  private pending: Array<{ backend: Backend; at: number; latency: number }> = [];
  constructor(
    public balancer: Balancer,
    readonly latency: Map<Backend, number>,
  ) {}

  /** runs `requests` arrivals; returns the picks per backend */
  run(requests: number): Map<Backend, number> {
    const counts = new Map<Backend, number>();
    for (let r = 0; r < requests; r++) {
      this.now += 1;
      this.pending = this.pending.filter((p) => {
        if (p.at > this.now) return true;
        end(this.balancer, p.backend, p.latency);
        return false;
      });
      const b = this.balancer.pick(ctx(), [])!;
      counts.set(b, (counts.get(b) ?? 0) + 1);
      start(this.balancer, b);
      const latency = this.latency.get(b)!;
      this.pending.push({ backend: b, at: this.now + latency, latency });
    }
    return counts;
  }
}

function setup(n: number) {
  const list = backends(new Array(n).fill(1));
  const sim: { value?: Simulation } = {};
  const balancer = make('least-response-time', list, { now: () => sim.value!.now });
  sim.value = new Simulation(balancer, new Map(list.map((b) => [b, 10])));
  return { list, sim: sim.value };
}

describe('least-response-time (peak EWMA)', () => {
  it('a backend whose latency rises tenfold drops under 10% within 500 requests, and wins traffic back within 30 s', (t) => {
    const { list, sim } = setup(4);
    const slow = list[0]!;
    sim.run(10_000);
    sim.latency.set(slow, 100);
    sim.run(500); // bounded: 500 requests (0.5 s) to react
    const during = sim.run(5_000).get(slow) ?? 0;
    t.diagnostic(`slow backend share after the rise: ${((during / 5_000) * 100).toFixed(2)}% (fair 25%)`);
    assert.ok(during / 5_000 < 0.1);

    sim.latency.set(slow, 10);
    let windows = 0;
    let share = 0;
    while (windows < 30) {
      windows++;
      share = (sim.run(1_000).get(slow) ?? 0) / 1_000;
      if (share >= 0.15) break;
    }
    t.diagnostic(`after recovery it was back at ${(share * 100).toFixed(1)}% within ${windows} s (τ = 10 s)`);
    assert.ok(share >= 0.15, `share still ${share}`);
  });

  it('a new backend without samples is neither starved nor flooded', (t) => {
    const { list, sim } = setup(3);
    sim.run(5_000);
    // a fourth backend arrives: rebuild with the same Backend objects plus the new one
    const fresh = backends([1], 'new')[0]!;
    sim.balancer = make('least-response-time', [...list, fresh], { now: () => sim.now });
    sim.latency.set(fresh, 10);
    const first = sim.run(200).get(fresh) ?? 0;
    const later = sim.run(4_000).get(fresh) ?? 0;
    t.diagnostic(`new backend: ${first} of its first 200 picks, ${((later / 4_000) * 100).toFixed(1)}% afterwards (fair 25%)`);
    assert.ok(first >= 20 && first <= 100, `first 200: ${first}`);
    assert.ok(later / 4_000 > 0.15 && later / 4_000 < 0.35);
  });

  it('prefers the faster backend when outstanding counts are equal, and counts outstanding', () => {
    const list = backends([1, 1]);
    let now = 0;
    const balancer = make('least-response-time', list, { now: () => now });
    start(balancer, list[0]!);
    start(balancer, list[1]!);
    now = 5;
    end(balancer, list[0]!, 5);
    end(balancer, list[1]!, 50);
    assert.equal(balancer.pick(ctx(), []), list[0]);
    for (let k = 0; k < 12; k++) start(balancer, list[0]!); // 5 × 13 > 50 × 1
    assert.equal(balancer.pick(ctx(), []), list[1]);
  });

  it('a failure never makes a backend look faster', () => {
    const list = backends([1, 1]);
    let now = 0;
    const balancer = make('least-response-time', list, { now: () => now });
    start(balancer, list[0]!);
    end(balancer, list[0]!, 40);
    start(balancer, list[0]!);
    now = 1;
    end(balancer, list[0]!, 0.1, 'failure');
    assert.ok(list[0]!.latencyEwma >= 40);
  });
});
