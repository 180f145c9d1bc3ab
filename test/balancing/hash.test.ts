import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { hashString } from '../../src/balancing/hash.js';

describe('hashString', () => {
  it('is fixed by the code: known values never change (tables depend on them)', () => {
    assert.equal(hashString(''), 0);
    assert.equal(hashString('10.0.0.1:8080'), hashString('10.0.0.1:8080'));
    assert.notEqual(hashString('10.0.0.1:8080'), hashString('10.0.0.1:8080', 1));
    assert.equal(hashString('a'), 116694289);
    assert.equal(hashString('10.0.0.1:8080'), 133383505);
  });

  it('spreads sequential keys evenly over 16 buckets (chi-square)', () => {
    const buckets = new Array<number>(16).fill(0);
    const n = 160_000;
    for (let i = 0; i < n; i++) buckets[hashString(`user-${i}`) & 15]!++;
    const expected = n / 16;
    const chi = buckets.reduce((sum, x) => sum + (x - expected) ** 2 / expected, 0);
    assert.ok(chi < 37.7, `chi-square ${chi.toFixed(1)} (99.9% critical value for 15 dof is 37.7)`);
  });

  it('changes about half of the 30 output bits when one input character changes (avalanche)', () => {
    let flipped = 0;
    const trials = 10_000;
    for (let i = 0; i < trials; i++) {
      let x = hashString(`key-${i}a`) ^ hashString(`key-${i}b`);
      while (x) {
        flipped += x & 1;
        x >>>= 1;
      }
    }
    const mean = flipped / trials;
    assert.ok(mean > 13.5 && mean < 16.5, `mean flipped bits ${mean}`);
  });
});
