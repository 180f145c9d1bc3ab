// The circuit breaker's transition hook: each change of state is told once, with why (issue 11, 5c).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CircuitBreaker } from '../../src/pool/circuit-breaker.js';
import type { CircuitBreakerConfig } from '../../src/config/types.js';

const config: CircuitBreakerConfig = {
  maxConnections: 0,
  maxPending: 0,
  maxRequests: 1,
  errorRatio: 0.5,
  minRequests: 2,
  window: 10_000,
  latency: 0,
  openFor: 1_000,
  halfOpenRequests: 1,
};

test('closed → open → half-open → open → half-open → closed, each once with its reason; refusals counted by reason', () => {
  const clock = { now: 1_000_000 };
  const b = new CircuitBreaker(config, () => clock.now);
  const seen: string[] = [];
  b.onTransition = (from, to, why) => seen.push(`${from}>${to}: ${why}`);

  assert.equal(b.admit(), '');
  assert.equal(b.admit(), 'max-requests');
  b.done('success', 502, 1);
  assert.equal(b.admit(), '');
  b.done('timeout', 0, 1);
  assert.equal(seen.length, 1);
  assert.match(seen[0]!, /^closed>open: 2 of 2 outcomes in the window failed, ratio ≥ 0.5$/);
  for (let i = 0; i < 3; i++) assert.equal(b.admit(), 'open');
  assert.equal(seen.length, 1, 'refusals while open are no transition');

  clock.now += 1_000;
  assert.equal(b.admit(), '');
  assert.match(seen[1]!, /^open>half-open: openFor \(1000 ms\) passed/);
  assert.equal(b.admit(), 'open', 'one trial at a time');
  b.done('failure', 0, 1);
  assert.equal(seen[2], 'half-open>open: a trial request failed (failure)');

  clock.now += 1_000;
  assert.equal(b.admit(), '');
  b.done('success', 200, 1);
  assert.equal(seen[3], 'open>half-open: openFor (1000 ms) passed: up to 1 trial request(s) at a time');
  assert.equal(seen[4], 'half-open>closed: 1 trial request(s) succeeded');
  assert.equal(seen.length, 5);
  assert.equal(b.trips, 2);
  assert.deepEqual(b.refusedBy, { open: 4, 'max-requests': 1, 'max-pending': 0, 'max-connections': 0 });
  assert.equal(b.refused, 5);
});

test('a breaker that replaces another (changed config on reload) continues its counters', () => {
  const old = new CircuitBreaker({ ...config, maxRequests: 1 });
  old.trips = 3;
  assert.equal(old.admit(), '');
  for (let i = 0; i < 7; i++) assert.equal(old.admit(), 'max-requests');
  const next = new CircuitBreaker({ ...config, openFor: 5_000 });
  next.continueCounts(old);
  assert.equal(next.trips, 3);
  assert.equal(next.refusedBy['max-requests'], 7);
  assert.equal(next.refused, 7);
  assert.equal(next.stateName, 'closed');
});
