import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AlgorithmName } from '../../src/config/types.js';
import { backends, ctx, make, seeded, start } from './helpers.js';

/** balls into bins: every ball stays, so inflight is the bin's load */
function maxLoad(name: AlgorithmName, bins: number, balls: number, choices = 2): number {
  const list = backends(new Array(bins).fill(1));
  const balancer = make(name, list, { random: seeded(11), choices });
  for (let i = 0; i < balls; i++) start(balancer, balancer.pick(ctx(), [])!);
  return Math.max(...list.map((b) => b.inflight));
}

describe('power-of-two', () => {
  it('balls into bins: max load clearly below random', (t) => {
    const bins = 1000;
    const balls = 100_000;
    const random = maxLoad('random', bins, balls);
    const p2c = maxLoad('power-of-two', bins, balls);
    const three = maxLoad('power-of-two', bins, balls, 3);
    t.diagnostic(`${balls} balls into ${bins} bins (mean 100): max load random ${random}, power-of-two ${p2c}, three choices ${three}`);
    console.log(`balls into bins: random max ${random}, power-of-two max ${p2c}, choices=3 max ${three}`);
    assert.ok(p2c <= 105, `p2c ${p2c}`);
    assert.ok(random >= 120, `random ${random}`);
    assert.ok(three <= p2c);
  });

  it('the winner is the draw with fewer outstanding requests', () => {
    // b0 busy, b1 idle: b0 wins only when every draw lands on it (1/2^choices)
    for (const choices of [2, 3]) {
      const list = backends([1, 1]);
      list[0]!.inflight = 5;
      const balancer = make('power-of-two', list, { random: seeded(5), choices });
      let busy = 0;
      for (let i = 0; i < 20_000; i++) if (balancer.pick(ctx(), []) === list[0]) busy++;
      assert.ok(Math.abs(busy / 20_000 - 1 / 2 ** choices) < 0.015, `choices ${choices}: ${busy}`);
    }
  });
});
