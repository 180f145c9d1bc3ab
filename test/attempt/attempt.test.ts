// The Attempt without sockets: a real Service from a validated config, a handler that records.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Attempt, Failure, type AttemptHandler, type AttemptRefusal } from '../../src/attempt/attempt.js';
import type { Backend } from '../../src/pool/backend.js';
import { Service } from '../../src/pool/service.js';
import { createObservers } from '../../src/observe/observers.js';
import { expectValid, yaml } from '../config/helpers.js';

function service(extra: string[] = []): Service {
  const config = expectValid(
    yaml(
      'listeners:',
      '  - { name: web, address: 127.0.0.1:0, routes: [ { service: api } ] }',
      'services:',
      '  api:',
      '    algorithm: round-robin',
      '    backends: [ { address: 127.0.0.1:9001 }, { address: 127.0.0.1:9002 }, { address: 127.0.0.1:9003 } ]',
      ...extra,
    ),
  );
  return new Service(config.services.get('api')!);
}

class Recorder implements AttemptHandler {
  sentTo: Backend[] = [];
  refusals: AttemptRefusal[] = [];
  attemptOn(backend: Backend): void {
    this.sentTo.push(backend);
  }
  attemptRefused(refusal: AttemptRefusal): void {
    this.refusals.push(refusal);
  }
  attemptKey(): string {
    return '10.0.0.1';
  }
}

test('a retry goes to a backend not tried yet; the counters of the failed one are released', () => {
  const s = service(['    retries: { attempts: 2, on: [connect-failure] }']);
  const h = new Recorder();
  const observers = createObservers();
  const attempt = new Attempt(s, h, '10.0.0.1', 'GET', false, observers);
  attempt.start(undefined);
  const first = h.sentTo[0]!;
  assert.equal(first.inflight, 1);
  assert.equal(attempt.retryOrEnd(Failure.Connect, 'connect-failure'), true);
  assert.equal(first.inflight, 0);
  assert.notEqual(h.sentTo[1], first);
  assert.equal(attempt.retryOrEnd(Failure.Connect, 'connect-failure'), true);
  assert.equal(new Set(h.sentTo).size, 3);
  // attempts used up: the caller answers, the last backend is released
  assert.equal(attempt.retryOrEnd(Failure.Connect, 'connect-failure'), false);
  assert.ok(s.backends.every((b) => b.inflight === 0 && b.active === 0));
  assert.equal(observers.stats.service('api').retries, 2);
  assert.equal(attempt.servedBy, h.sentTo[2]);
});

test('a 5xx is retried only for idempotent bodiless requests, and passive health sees its status', () => {
  const s = service(['    retries: { attempts: 1, on: [5xx] }']);
  const get = new Attempt(s, new Recorder(), '10.0.0.1', 'GET', false, null);
  get.start(undefined);
  get.responseHead(503, undefined);
  assert.equal(get.canRetry(Failure.ServerError), true);
  const post = new Attempt(s, new Recorder(), '10.0.0.1', 'POST', true, null);
  post.start(undefined);
  post.responseHead(503, undefined);
  assert.equal(post.canRetry(Failure.ServerError), false);
  get.responded = true;
  assert.equal(get.canRetry(Failure.ServerError), false);
});

test('no backend available: 503 on the first attempt (counted), 502 once some were tried', () => {
  const s = service(['    retries: { attempts: 5, on: [connect-failure] }']);
  for (const b of s.backends) b.draining = true;
  const observers = createObservers();
  const h = new Recorder();
  new Attempt(s, h, '10.0.0.1', 'GET', false, observers).start(undefined);
  assert.deepEqual(h.refusals, [{ status: 503, reason: 'no-backend' }]);
  assert.equal(observers.stats.service('api').noBackend, 1);
  for (const b of s.backends) b.draining = false;
  const h2 = new Recorder();
  const attempt = new Attempt(s, h2, '10.0.0.1', 'GET', false, null);
  attempt.start(undefined);
  for (const b of s.backends) b.draining = true;
  attempt.retryOrEnd(Failure.Connect, 'connect-failure');
  assert.deepEqual(h2.refusals, [{ status: 502, reason: 'exhausted' }]);
});

test('the circuit breaker refuses with its reason and Retry-After, and a refused attempt owes nothing', () => {
  const s = service(['    circuitBreaker: { maxRequests: 1 }']);
  const a = new Attempt(s, new Recorder(), '10.0.0.1', 'GET', false, null);
  a.start(undefined);
  const h = new Recorder();
  new Attempt(s, h, '10.0.0.1', 'GET', false, null).start(undefined);
  assert.equal(h.refusals.length, 1);
  const refusal = h.refusals[0]!;
  assert.equal(refusal.reason, 'circuit');
  assert.ok(refusal.reason === 'circuit' && refusal.circuit === 'max-requests' && refusal.retryAfterSeconds >= 1);
  a.end('success');
  assert.equal(s.breaker!.requests, 0);
});

test('a load report on the response head is recorded for resource balancing', () => {
  const s = service();
  const config = expectValid(
    yaml(
      'listeners:',
      '  - { name: web, address: 127.0.0.1:0, routes: [ { service: api } ] }',
      'services:',
      '  api:',
      '    algorithm: resource',
      '    backends: [ { address: 127.0.0.1:9001 } ]',
    ),
  );
  const resource = new Service(config.services.get('api')!);
  const h = new Recorder();
  const attempt = new Attempt(resource, h, '10.0.0.1', 'GET', false, null);
  attempt.start(undefined);
  attempt.responseHead(200, '0.9');
  assert.equal(h.sentTo[0]!.reportedLoad, 0.9);
  // a service whose algorithm does not read reports ignores them
  const plain = new Attempt(s, new Recorder(), '10.0.0.1', 'GET', false, null);
  plain.start(undefined);
  plain.responseHead(200, '0.9');
  assert.ok(s.backends.every((b) => Number.isNaN(b.reportedLoad)));
});
