import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CircuitBreaker } from '../../src/pool/circuit-breaker.js';
import type { CircuitBreakerConfig } from '../../src/config/types.js';

const base: CircuitBreakerConfig = {
  maxConnections: 0,
  maxPending: 0,
  maxRequests: 0,
  errorRatio: 0,
  minRequests: 20,
  window: 10_000,
  latency: 0,
  openFor: 30_000,
  halfOpenRequests: 1,
};

function breaker(config: Partial<CircuitBreakerConfig>): { b: CircuitBreaker; clock: { now: number } } {
  const clock = { now: 1_000_000 };
  return { b: new CircuitBreaker({ ...base, ...config }, () => clock.now), clock };
}

test('maxRequests: the attempt over the limit is refused at once, and admitted again after one ends', () => {
  const { b } = breaker({ maxRequests: 2 });
  assert.equal(b.admit(), '');
  assert.equal(b.admit(), '');
  assert.equal(b.admit(), 'max-requests');
  assert.equal(b.requests, 2);
  b.done('success', 200, 5);
  assert.equal(b.admit(), '');
  assert.equal(b.refused, 1);
});

test('maxPending and maxConnections are checked before a new connection', () => {
  const { b } = breaker({ maxPending: 1, maxConnections: 3 });
  assert.equal(b.admitConnection(0), '');
  b.pending = 1;
  assert.equal(b.admitConnection(0), 'max-pending');
  b.pending = 0;
  assert.equal(b.admitConnection(3), 'max-connections');
  assert.equal(b.admitConnection(2), '');
});

test('error ratio: trips once minRequests are in the window and the ratio is reached; open refuses with Retry-After', () => {
  const { b, clock } = breaker({ errorRatio: 0.5, minRequests: 10, openFor: 5_000 });
  for (let i = 0; i < 9; i++) {
    assert.equal(b.admit(), '');
    b.done('failure', 0, 1); // 9 failures: below minRequests, still closed
  }
  assert.equal(b.stateName, 'closed');
  b.admit();
  b.done('success', 200, 1);
  assert.equal(b.stateName, 'closed', 'the ratio is only checked when a failure arrives');
  b.admit();
  b.done('timeout', 0, 1); // 10 failures of 11
  assert.equal(b.stateName, 'open');
  assert.equal(b.trips, 1);
  assert.equal(b.admit(), 'open');
  assert.equal(b.retryAfterSeconds(), 5);
  clock.now += 2_500;
  assert.equal(b.retryAfterSeconds(), 3);
});

test('5xx and slow responses count as failures; cancelled ones do not count at all', () => {
  const { b } = breaker({ errorRatio: 0.5, minRequests: 4, latency: 100 });
  for (const [outcome, status, latency] of [
    ['cancelled', 0, 1],
    ['cancelled', 0, 1],
    ['cancelled', 0, 1],
    ['cancelled', 0, 1],
    ['success', 200, 10],
    ['success', 200, 10],
    ['success', 503, 10],
  ] as const) {
    b.admit();
    b.done(outcome, status, latency);
  }
  assert.equal(b.stateName, 'closed', '1 failure of 3 counted');
  b.admit();
  b.done('success', 200, 250); // slower than latency: a failure; 2 of 4
  assert.equal(b.stateName, 'open');
});

test('old outcomes leave the rolling window', () => {
  const { b, clock } = breaker({ errorRatio: 0.5, minRequests: 4, window: 1_000 });
  for (let i = 0; i < 3; i++) {
    b.admit();
    b.done('failure', 0, 1);
  }
  clock.now += 1_500; // the three failures are out of the window
  for (let i = 0; i < 3; i++) {
    b.admit();
    b.done('success', 200, 1);
  }
  b.admit();
  b.done('failure', 0, 1); // 1 of 4 in the window
  assert.equal(b.stateName, 'closed');
});

test('half-open: after openFor, trial requests close the breaker on success, re-open it on failure', () => {
  const { b, clock } = breaker({ errorRatio: 0.5, minRequests: 2, openFor: 1_000, halfOpenRequests: 2 });
  b.admit();
  b.done('failure', 0, 1);
  b.admit();
  b.done('failure', 0, 1);
  assert.equal(b.stateName, 'open');
  clock.now += 1_001;
  assert.equal(b.admit(), '', 'first trial');
  assert.equal(b.stateName, 'half-open');
  assert.equal(b.admit(), '', 'second trial');
  assert.equal(b.admit(), 'open', 'no more than halfOpenRequests at once');
  b.done('success', 200, 1);
  b.done('failure', 502, 1);
  assert.equal(b.stateName, 'open', 'a failed trial re-opens');
  assert.equal(b.trips, 2);
  clock.now += 1_001;
  b.admit();
  b.admit();
  b.done('success', 200, 1);
  assert.equal(b.stateName, 'half-open');
  b.done('success', 200, 1);
  assert.equal(b.stateName, 'closed', 'halfOpenRequests successes close');
  // a fresh window after closing: one failure does not trip again
  b.admit();
  b.done('failure', 0, 1);
  assert.equal(b.stateName, 'closed');
});
