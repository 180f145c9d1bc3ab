// Bounded load: under a skewed key distribution no backend exceeds the cap.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Backend } from '../../src/pool/backend.js';
import type { AlgorithmName } from '../../src/config/types.js';
import { backends, ctx, end, make, seeded, start } from './helpers.js';

function cap(list: Backend[], factor: number): number {
  let total = 0;
  for (const b of list) total += b.inflight;
  return Math.ceil(((factor / 100) * (total + 1)) / list.length);
}

const HASHES: AlgorithmName[] = ['consistent-hash', 'maglev', 'ip-hash'];

describe('bounded load (hashBalanceFactor 150)', () => {
  for (const name of HASHES) {
    it(`${name}: no backend exceeds ⌈1.5 × average⌉ under Zipf-skewed keys`, (t) => {
      const list = backends([1, 1, 1, 1, 1, 1, 1, 1]);
      const balancer = make(name, list, { hashBalanceFactor: 150 });
      // where each key would go without the bound (hash picks are stateless without it)
      const unbounded = make(name, list);
      const random = seeded(7);
      const open: Backend[] = [];
      const c = ctx();
      let spilled = 0;
      let worst = 0;
      for (let i = 0; i < 50_000; i++) {
        // Zipf-like: key k with probability ∝ 1/k, so a handful of keys carry most traffic
        const k = Math.floor(Math.exp(random() * Math.log(200)));
        c.key = c.clientIp = `10.9.${k >> 8}.${k & 255}`;
        const limit = cap(list, 150);
        const b = balancer.pick(c, [])!;
        assert.ok(b.inflight + 1 <= limit, `${b.id} would hold ${b.inflight + 1} > cap ${limit}`);
        worst = Math.max(worst, (b.inflight + 1) / limit);
        if (unbounded.pick(c, []) !== b) spilled++;
        start(balancer, b);
        open.push(b);
        // keep about 200 requests in flight, finishing a random one
        if (open.length > 200) {
          const j = Math.floor(random() * open.length);
          const done = open[j]!;
          open[j] = open[open.length - 1]!;
          open.pop();
          end(balancer, done);
        }
      }
      t.diagnostic(`${spilled} of 50000 requests walked past their first choice; peak load ${(worst * 100).toFixed(0)}% of cap`);
      assert.ok(spilled > 0, 'the skew should have forced some spill');
    });
  }

  it('is off at factor 0: the hot key stays on one backend', () => {
    const list = backends([1, 1, 1, 1]);
    const balancer = make('maglev', list);
    const first = balancer.pick(ctx('hot'), [])!;
    for (let i = 0; i < 100; i++) {
      const b = balancer.pick(ctx('hot'), [])!;
      assert.equal(b, first);
      start(balancer, b);
    }
  });
});
