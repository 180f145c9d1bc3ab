import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertError, expectErrors, expectValid, minimal } from './helpers.js';

test('healthCheck gets its defaults; passiveHealth, slowStart and panicThreshold parse', () => {
  const config = expectValid(
    minimal(
      [],
      [
        '    healthCheck: { type: http, path: /healthz, interval: 5s, timeout: 2s, expectStatus: [200, "300-304"] }',
        '    passiveHealth: { maxFails: 5, on5xx: true }',
        '    slowStart: 30s',
        '    panicThreshold: 0',
      ],
    ),
  );
  const api = config.services.get('api')!;
  assert.deepEqual(api.healthCheck, {
    type: 'http',
    interval: 5_000,
    timeout: 2_000,
    downInterval: 5_000,
    jitter: 0,
    healthyThreshold: 2,
    unhealthyThreshold: 3,
    initialState: 'healthy',
    method: 'GET',
    path: '/healthz',
    expectStatus: [
      [200, 200],
      [300, 304],
    ],
  });
  assert.deepEqual(api.passiveHealth, { maxFails: 5, failTimeout: 30_000, on5xx: true, maxEjectionPercent: 50, maxEjectionTime: 300_000 });
  assert.equal(api.slowStart, 30_000);
  assert.equal(api.panicThreshold, 0);
});

test('a timeout not below the interval is reported at healthCheck.timeout', () => {
  const errors = expectErrors(minimal([], ['    healthCheck: { type: tcp, interval: 1s, timeout: 1s }']));
  assertError(errors, 'services.api.healthCheck.timeout', '10:54', 'timeout (1000 ms) must be below interval (1000 ms)');
  assert.equal(errors.length, 1);
});

test('fields of another check type, bad statuses and out-of-range percentages are refused where written', () => {
  const errors = expectErrors(
    minimal(
      [],
      [
        '    healthCheck: { type: tcp, path: /x, sni: a.example, downInterval: 100ms, timeout: 500ms }',
        '    passiveHealth: { maxEjectionPercent: 150, failTimeout: 10s, maxEjectionTime: 5s }',
        '    panicThreshold: 101',
      ],
    ),
  );
  assertError(errors, 'services.api.healthCheck.path', '10:37', "'path' is for http checks; this check is tcp");
  assertError(errors, 'services.api.healthCheck.sni', '10:46', "'sni' is for tls checks");
  assertError(errors, 'services.api.healthCheck.downInterval', '10:71', 'must be above timeout');
  assertError(errors, 'services.api.passiveHealth.maxEjectionPercent', '11:42', 'expected a percentage 0-100, got 150');
  assertError(errors, 'services.api.passiveHealth.maxEjectionTime', '11:82', 'must be at least failTimeout');
  assertError(errors, 'services.api.panicThreshold', '12:21', 'expected a percentage 0-100, got 101');
  const status = expectErrors(minimal([], ['    healthCheck: { expectStatus: "2xx", initialState: maybe }']));
  assertError(status, 'services.api.healthCheck.expectStatus', '10:34', 'expected a status like 200 or a range like "200-399", got "2xx"');
  assertError(status, 'services.api.healthCheck.initialState', '10:55', 'expected healthy | unhealthy');
});
