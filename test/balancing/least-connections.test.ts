import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Backend } from '../../src/pool/backend.js';
import { backends, ctx, end, make, seeded, start } from './helpers.js';

describe('least-connections', () => {
  it('sends a new request to the backend with the fewest connections', () => {
    const list = backends([1, 1, 1, 1]);
    const balancer = make('least-connections', list);
    const load = [5, 2, 7, 3];
    list.forEach((b, i) => {
      for (let k = 0; k < load[i]!; k++) start(balancer, b);
    });
    assert.equal(balancer.pick(ctx(), []), list[1]);
    start(balancer, list[1]!); // 5 3 7 3: tie between b1 and b3, b1 was picked last
    assert.equal(balancer.pick(ctx(), []), list[3]);
    end(balancer, list[2]!);
    for (let k = 0; k < 5; k++) end(balancer, list[2]!); // b2 drops to 1
    assert.equal(balancer.pick(ctx(), []), list[2]);
  });

  it('compares connections per unit of weight', () => {
    const list = backends([1, 4]);
    const balancer = make('least-connections', list);
    for (let k = 0; k < 2; k++) start(balancer, list[0]!); // 2/1 = 2
    for (let k = 0; k < 6; k++) start(balancer, list[1]!); // 6/4 = 1.5
    assert.equal(balancer.pick(ctx(), []), list[1]);
    start(balancer, list[1]!);
    start(balancer, list[1]!); // 8/4 = 2: tie, b1 picked last → b0
    assert.equal(balancer.pick(ctx(), []), list[0]);
    // holding connections open, the weight-4 backend carries 4× the connections
    const fresh = backends([1, 4], 'w');
    const lc = make('least-connections', fresh);
    for (let k = 0; k < 500; k++) start(lc, lc.pick(ctx(), [])!);
    assert.equal(fresh[0]!.active, 100);
    assert.equal(fresh[1]!.active, 400);
  });

  it('rotates among ties instead of favouring list order', () => {
    const list = backends([1, 1, 1]);
    const balancer = make('least-connections', list);
    const seen = Array.from({ length: 9 }, () => balancer.pick(ctx(), [])!.id).join(' ');
    assert.equal(seen, 'b0:80 b1:80 b2:80 b0:80 b1:80 b2:80 b0:80 b1:80 b2:80');
  });

  it('agrees with a linear scan over 1,000 backends under random churn', () => {
    const list = backends(Array.from({ length: 1000 }, (_, i) => 1 + (i % 4)));
    const balancer = make('least-connections', list);
    const random = seeded(3);
    const open: Backend[] = [];
    for (let step = 0; step < 20_000; step++) {
      if (step % 97 === 0) list[Math.floor(random() * 1000)]!.healthy = random() < 0.5;
      const b = balancer.pick(ctx(), [])!;
      let best = Infinity;
      for (const x of list) if (x.available()) best = Math.min(best, x.active / x.weight);
      assert.equal(b.active / b.weight, best, `step ${step}`);
      start(balancer, b);
      open.push(b);
      if (open.length > 3000 || random() < 0.3) {
        const j = Math.floor(random() * open.length);
        const done = open[j]!;
        open[j] = open[open.length - 1]!;
        open.pop();
        end(balancer, done);
      }
    }
  });

  it('notices counters moved without onStart/onEnd (self-healing)', () => {
    const list = backends([1, 1, 1]);
    const balancer = make('least-connections', list);
    list[0]!.active = 10;
    list[1]!.active = 10;
    assert.equal(balancer.pick(ctx(), []), list[2]);
    list[2]!.active = 20;
    list[0]!.active = 0; // lowered behind the balancer's back: found within a few picks
    const picks = Array.from({ length: 4 }, () => balancer.pick(ctx(), []));
    assert.ok(picks.includes(list[0]));
  });
});

describe('least-requests', () => {
  it('counts outstanding requests (HTTP/2 streams), not connections', () => {
    const list = backends([1, 1]);
    const balancer = make('least-requests', list);
    // one multiplexed connection each; b0 carries 8 streams, b1 carries 2
    list[0]!.active = 1;
    list[1]!.active = 1;
    list[0]!.inflight = 8;
    list[1]!.inflight = 2;
    balancer.onStart!(list[0]!);
    balancer.onStart!(list[1]!);
    assert.equal(balancer.pick(ctx(), []), list[1]);
    assert.equal(make('least-connections', list).pick(ctx(), []), list[0]); // tie on connections
  });
});
