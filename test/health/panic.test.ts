import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { inPanic } from '../../src/health/panic.js';
import type { Backend } from '../../src/pool/backend.js';
import { backends, ctx, make } from '../balancing/helpers.js';

/** as an active check that failed would leave it */
function down(b: Backend): void {
  b.healthStatus = 'unhealthy';
  b.healthy = false;
}

describe('panic threshold', () => {
  it('is in panic below the threshold of healthy (and not ejected) backends', () => {
    const list = backends([1, 1, 1, 1]);
    assert.equal(inPanic(list, 50), false);
    down(list[0]!);
    list[1]!.ejected = true;
    assert.equal(inPanic(list, 50), false, '2 of 4 = 50% is not below 50%');
    down(list[2]!);
    assert.equal(inPanic(list, 50), true);
    assert.equal(inPanic(list, 0), false, '0 disables it');
  });

  it('does not count backends an operator took out', () => {
    const list = backends([1, 1, 0]);
    down(list[2]!);
    list[1]!.draining = true;
    assert.equal(inPanic(list, 50), false);
  });

  it('does not count backends still waiting for their first check', () => {
    const list = backends([1, 1]);
    for (const b of list) b.healthy = false; // initialState: unhealthy, status unknown
    assert.equal(inPanic(list, 50), false);
  });

  it('in panic, available() ignores health and ejection but not draining', () => {
    const list = backends([1, 1, 1]);
    for (const b of list) down(b);
    list[2]!.draining = true;
    const rr = make('round-robin', list);
    assert.equal(rr.pick(ctx(), []), undefined);
    for (const b of list) b.panic = true;
    const picked = new Set(Array.from({ length: 4 }, () => rr.pick(ctx(), [])!.id));
    assert.deepEqual([...picked].sort(), [list[0]!.id, list[1]!.id]);
  });
});
