import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertError, expectErrors, expectValid, minimal } from './helpers.js';

test('sticky cookie as DESIGN writes it gets its defaults', () => {
  const config = expectValid(minimal([], ['    sticky: { cookie: { name: FULCRUM_SRV, maxAge: 1h } }']));
  assert.deepEqual(config.services.get('api')!.sticky, {
    kind: 'cookie',
    name: 'FULCRUM_SRV',
    maxAge: 3_600_000,
    sameSite: 'Lax',
    httpOnly: true,
    secure: 'auto',
    path: '/',
  });
  const bare = expectValid(minimal([], ['    sticky: { cookie: {} }']));
  assert.equal(bare.services.get('api')!.sticky!.kind, 'cookie');
});

test('sticky clientIp with a ttl; none configured leaves the service without stickiness', () => {
  const config = expectValid(minimal([], ['    sticky: { clientIp: { ttl: 10m } }']));
  assert.deepEqual(config.services.get('api')!.sticky, { kind: 'clientIp', ttl: 600_000 });
  assert.deepEqual(expectValid(minimal([], ['    sticky: { clientIp: {} }'])).services.get('api')!.sticky, { kind: 'clientIp', ttl: 1_800_000 });
  assert.equal(expectValid(minimal()).services.get('api')!.sticky, undefined);
});

test('sticky: both kinds, neither, a bad cookie name and SameSite=None without Secure are refused where written', () => {
  assertError(expectErrors(minimal([], ['    sticky: { cookie: {}, clientIp: {} }'])), 'services.api.sticky', '10:13', 'exactly one of cookie');
  assertError(expectErrors(minimal([], ['    sticky: {}'])), 'services.api.sticky', '10:13', 'exactly one of cookie');
  assertError(expectErrors(minimal([], ['    sticky: { cookie: { name: "a b" } }'])), 'services.api.sticky.cookie.name', '10:31', 'expected a cookie name');
  assertError(expectErrors(minimal([], ['    sticky: { cookie: { sameSite: None, secure: false } }'])), 'services.api.sticky.cookie.secure', '10:49', 'SameSite=None needs Secure');
});

test('circuitBreaker gets its defaults; every limit off unless set', () => {
  const config = expectValid(minimal([], ['    circuitBreaker: { maxRequests: 100, errorRatio: 0.5 }']));
  assert.deepEqual(config.services.get('api')!.circuitBreaker, {
    maxConnections: 0,
    maxPending: 0,
    maxRequests: 100,
    errorRatio: 0.5,
    minRequests: 20,
    window: 10_000,
    latency: 0,
    openFor: 30_000,
    halfOpenRequests: 1,
  });
  const all = expectValid(
    minimal([], ['    circuitBreaker: { maxConnections: 10, maxPending: 5, maxRequests: 20, latency: 2s, window: 30s, openFor: 5s, halfOpenRequests: 3, minRequests: 5 }']),
  );
  const breaker = all.services.get('api')!.circuitBreaker!;
  assert.equal(breaker.latency, 2_000);
  assert.equal(breaker.window, 30_000);
  assert.equal(breaker.halfOpenRequests, 3);
});

test('circuitBreaker: ratios outside 0..1, negative limits and unknown keys are refused where written', () => {
  const errors = expectErrors(minimal([], ['    circuitBreaker: { errorRatio: 50, maxRequests: -1, halfOpen: 2 }']));
  assertError(errors, 'services.api.circuitBreaker.errorRatio', '10:35', 'expected a ratio between 0 and 1');
  assertError(errors, 'services.api.circuitBreaker.maxRequests', '10:52', 'expected a whole number ≥ 0');
  assert.ok(
    errors.some((e) => e.message.includes('halfOpen')),
    errors.map((e) => e.message).join('\n'),
  );
});

test('timeouts.tunnelIdle defaults to 5m and parses a duration', () => {
  assert.equal(expectValid(minimal()).services.get('api')!.timeouts.tunnelIdle, 300_000);
  assert.equal(expectValid(minimal([], ['    timeouts: { tunnelIdle: 90s }'])).services.get('api')!.timeouts.tunnelIdle, 90_000);
});
