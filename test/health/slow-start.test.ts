import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backendAvailabilityEpoch } from '../../src/pool/backend.js';
import { SLOW_START_FLOOR, SlowStart } from '../../src/health/slow-start.js';
import { backends, ctx, make, start } from '../balancing/helpers.js';

describe('slow start', () => {
  it('ramps the effective weight linearly from the floor to the full weight, and moves the epoch', () => {
    let now = 1_000;
    const ramp = new SlowStart(1_000, () => now, 0);
    const [b] = backends([4]);
    ramp.start(b!);
    assert.equal(b!.effectiveWeight(), 4 * SLOW_START_FLOOR);
    const expected = [0.1, 0.25, 0.5, 0.75, 1];
    [50, 250, 500, 750, 1000].forEach((t, i) => {
      now = 1_000 + t;
      const epoch = backendAvailabilityEpoch();
      ramp.tick();
      assert.equal(b!.slowStartFactor, expected[i]);
      if (t !== 50) assert.notEqual(backendAvailabilityEpoch(), epoch, 'a new factor re-checks indexed balancers');
    });
    assert.equal(b!.effectiveWeight(), 4);
    assert.equal(ramp.ramping(b!), false);
  });

  it('keeps least-connections from flooding a fresh backend with no connections', () => {
    let now = 0;
    const ramp = new SlowStart(10_000, () => now, 0);
    const list = backends([1, 1, 1]);
    const lc = make('least-connections', list);
    // two loaded backends with 50 open connections each; a third just arrived
    for (let k = 0; k < 100; k++) start(lc, list[k % 2]!);
    ramp.start(list[2]!);
    for (let k = 0; k < 30; k++) start(lc, lc.pick(ctx(), [])!);
    // at 10% weight the new one holds about a tenth of what the others hold, not 30 new connections
    assert.ok(list[2]!.active <= 7, `new backend got ${list[2]!.active}`);
    now = 10_000;
    ramp.tick();
    for (let k = 0; k < 200; k++) start(lc, lc.pick(ctx(), [])!);
    const spread = list.map((b) => b.active);
    assert.ok(Math.max(...spread) - Math.min(...spread) <= 1, `full weight evens out: ${spread}`);
  });

  it('scales every weighted pick: smooth weighted round robin follows the factor', () => {
    let now = 0;
    const ramp = new SlowStart(1_000, () => now, 0);
    const list = backends([1, 1]);
    const wrr = make('weighted-round-robin', list);
    ramp.start(list[1]!);
    now = 500;
    ramp.tick(); // factor 0.5: shares 2:1
    const counts = [0, 0];
    for (let k = 0; k < 300; k++) counts[list.indexOf(wrr.pick(ctx(), [])!)]!++;
    assert.deepEqual(counts, [200, 100]);
  });

  it('stop() ends every ramp at full weight', () => {
    const ramp = new SlowStart(1_000, () => 0, 0);
    const [b] = backends([2]);
    ramp.start(b!);
    ramp.stop();
    assert.equal(b!.effectiveWeight(), 2);
  });
});
