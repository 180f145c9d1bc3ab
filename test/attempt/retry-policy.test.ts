import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Failure, mayResendOnFreshConnection, mayRetryElsewhere, type ResendFacts } from '../../src/attempt/retry-policy.js';

const GET: ResendFacts = { method: 'GET', hasBody: false, bodySent: false, responded: false };
const POST: ResendFacts = { method: 'POST', hasBody: true, bodySent: true, responded: false };
const ALL = { attempts: 2, on: ['connect-failure', 'timeout', '5xx'] as Array<'connect-failure' | 'timeout' | '5xx'> };

test('connect failures are retried while attempts are left, whatever the method', () => {
  assert.equal(mayRetryElsewhere(Failure.Connect, POST, 1, ALL), true);
  assert.equal(mayRetryElsewhere(Failure.Connect, GET, 2, ALL), true);
  assert.equal(mayRetryElsewhere(Failure.Connect, GET, 3, ALL), false);
});

test('timeouts and 5xx: only when retries.on names them, for an idempotent bodiless request', () => {
  for (const failure of [Failure.Timeout, Failure.ServerError]) {
    assert.equal(mayRetryElsewhere(failure, GET, 1, ALL), true);
    assert.equal(mayRetryElsewhere(failure, POST, 1, ALL), false);
    assert.equal(mayRetryElsewhere(failure, { ...GET, method: 'PATCH' }, 1, ALL), false);
    assert.equal(mayRetryElsewhere(failure, { ...GET, method: 'PUT', hasBody: true }, 1, ALL), false);
    assert.equal(mayRetryElsewhere(failure, GET, 1, { attempts: 2, on: ['connect-failure'] }), false);
  }
});

test('nothing is retried once the client has response bytes', () => {
  const responded = { ...GET, responded: true };
  for (const failure of [Failure.Connect, Failure.Timeout, Failure.ServerError, Failure.RefusedStream]) {
    assert.equal(mayRetryElsewhere(failure, responded, 1, ALL), false);
  }
});

test('a refused HTTP/2 stream goes elsewhere unless body bytes were already sent', () => {
  assert.equal(mayRetryElsewhere(Failure.RefusedStream, { ...POST, bodySent: false }, 1, ALL), true);
  assert.equal(mayRetryElsewhere(Failure.RefusedStream, POST, 1, ALL), false);
});

test('a stale pooled socket: resent once, on the same backend, for idempotent requests with nothing sent', () => {
  assert.equal(mayRetryElsewhere(Failure.StaleConnection, GET, 1, ALL), false);
  assert.equal(mayResendOnFreshConnection(GET, false), true);
  assert.equal(mayResendOnFreshConnection(GET, true), false);
  assert.equal(mayResendOnFreshConnection({ ...GET, method: 'POST' }, false), false);
  assert.equal(mayResendOnFreshConnection({ ...GET, method: 'PUT', hasBody: true, bodySent: true }, false), false);
});
