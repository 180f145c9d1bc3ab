// Weighted algorithms give each backend its share of the weights.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backends, ctx, make, shares } from './helpers.js';
import type { AlgorithmName } from '../../src/config/types.js';

const weights = [5, 3, 1, 1];
const total = weights.reduce((a, b) => a + b, 0);

describe('smooth weighted round robin', () => {
  it('gives the exact nginx sequence for 5,1,1', () => {
    const list = [...backends([5, 1, 1])];
    const names = new Map(list.map((b, i) => [b, 'abc'[i]]));
    const balancer = make('weighted-round-robin', list);
    const sequence = Array.from({ length: 14 }, () => names.get(balancer.pick(ctx(), [])!)).join(' ');
    assert.equal(sequence, 'a a b a c a a a a b a c a a');
  });
});

const WEIGHTED: AlgorithmName[] = ['weighted-round-robin', 'random', 'power-of-two', 'resource', 'maglev', 'ip-hash'];

describe('weighted shares over 100k picks are within 1% of the weights', () => {
  for (const name of WEIGHTED) {
    it(name, (t) => {
      const list = backends(weights);
      const balancer = make(name, list);
      const counts = shares(balancer, 100_000, (i) => `client-${i}`);
      const report: string[] = [];
      list.forEach((b, i) => {
        const share = (counts.get(b.id) ?? 0) / 100_000;
        report.push(`${b.id} ${(share * 100).toFixed(2)}% (want ${((weights[i]! / total) * 100).toFixed(2)}%)`);
        assert.ok(Math.abs(share - weights[i]! / total) < 0.01, report.join(', '));
      });
      t.diagnostic(report.join(', '));
    });
  }
});

// A ring is only as even as its virtual nodes (512 per backend): a few percent, not 1%.
it('consistent-hash shares are within 3% of the weights', (t) => {
  const list = backends(weights);
  const counts = shares(make('consistent-hash', list), 100_000, (i) => `client-${i}`);
  const report = list.map((b, i) => `${b.id} ${((counts.get(b.id) ?? 0) / 1000).toFixed(2)}% (want ${((weights[i]! / total) * 100).toFixed(2)}%)`);
  t.diagnostic(report.join(', '));
  list.forEach((b, i) => assert.ok(Math.abs((counts.get(b.id) ?? 0) / 100_000 - weights[i]! / total) < 0.03, report.join(', ')));
});
