import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadAdjustedWeight, parseLoadHeader, recordLoadReport, LOAD_WEIGHT_FLOOR } from '../../src/balancing/load-report.js';
import { backends, make, shares } from './helpers.js';

describe('parseLoadHeader', () => {
  it('reads fractions and percentages, clamps to 0..1, rejects the rest', () => {
    assert.equal(parseLoadHeader('0.25'), 0.25);
    assert.equal(parseLoadHeader(' 75% '), 0.75);
    assert.equal(parseLoadHeader('.5'), 0.5);
    assert.equal(parseLoadHeader('1.7'), 1);
    assert.equal(parseLoadHeader('250%'), 1);
    assert.equal(parseLoadHeader('0'), 0);
    for (const bad of ['', '-0.2', 'abc', '0.5x', 'NaN', '1e3', '0.5, 0.6']) assert.equal(parseLoadHeader(bad), undefined, bad);
  });
});

describe('resource', () => {
  it('shares traffic by headroom: weight × (1 − load)', (t) => {
    const list = backends([1, 1, 2]);
    const now = 1_000;
    const balancer = make('resource', list, { now: () => now });
    recordLoadReport(list[0]!, 0.5, now); // 0.5
    recordLoadReport(list[1]!, 0, now); // 1
    recordLoadReport(list[2]!, 0.75, now); // 2 × 0.25 = 0.5
    const counts = shares(balancer, 100_000);
    const got = list.map((b) => (counts.get(b.id) ?? 0) / 100_000);
    t.diagnostic(`shares ${got.map((x) => (x * 100).toFixed(2) + '%').join(' ')} (want 25 50 25)`);
    [0.25, 0.5, 0.25].forEach((want, i) => assert.ok(Math.abs(got[i]! - want) < 0.01));
  });

  it('keeps a fully loaded backend at a small floor, not starved', () => {
    const list = backends([1, 1]);
    const balancer = make('resource', list, { now: () => 0 });
    recordLoadReport(list[0]!, 1, 0);
    recordLoadReport(list[1]!, 0, 0);
    const share = (shares(balancer, 10_000).get(list[0]!.id) ?? 0) / 10_000;
    assert.ok(Math.abs(share - LOAD_WEIGHT_FLOOR / (1 + LOAD_WEIGHT_FLOOR)) < 0.005, `share ${share}`);
  });

  it('splits evenly by weight when every backend is fully loaded', () => {
    const list = backends([1, 3]);
    const balancer = make('resource', list, { now: () => 0 });
    for (const b of list) recordLoadReport(b, 1, 0);
    const share = (shares(balancer, 10_000).get(list[1]!.id) ?? 0) / 10_000;
    assert.ok(Math.abs(share - 0.75) < 0.005);
  });

  it('expires reports after the TTL and falls back to the configured weight', () => {
    const list = backends([2]);
    recordLoadReport(list[0]!, 0.9, 1_000);
    assert.ok(Math.abs(loadAdjustedWeight(list[0]!, 5_000, 10_000) - 0.2) < 1e-9);
    assert.equal(loadAdjustedWeight(list[0]!, 11_001, 10_000), 2);
    const two = backends([1, 1], 'r');
    let now = 0;
    const balancer = make('resource', two, { now: () => now, loadReportTtlMs: 10_000 });
    recordLoadReport(two[0]!, 0.95, 0);
    assert.ok((shares(balancer, 1_000).get(two[0]!.id) ?? 0) < 60);
    now = 10_001;
    assert.equal(shares(balancer, 1_000).get(two[0]!.id), 500);
  });
});
