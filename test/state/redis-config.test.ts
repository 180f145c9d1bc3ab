// The `state` section: its defaults, the values DESIGN.md writes, and refusals at file:line:column
// with the path and what was expected; the printed config hides a URL's password.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { printableConfig } from '../../src/config/print.js';
import { assertError, expectErrors, expectValid, minimal } from '../config/helpers.js';

const withState = (line: string) => `${line}\n${minimal()}`;

test('no state section: the in-memory store, with the defaults a redis store would get', () => {
  assert.deepEqual(expectValid(minimal()).state, { store: 'memory', url: 'redis://127.0.0.1:6379', keyPrefix: 'fulcrum:', timeout: 50, onError: 'open' });
});

test('state as DESIGN.md writes it', () => {
  const config = expectValid(withState('state: { store: redis, url: "redis://10.0.0.5:6380/2", keyPrefix: "lb1:", timeout: 20ms, onError: closed }'));
  assert.deepEqual(config.state, { store: 'redis', url: 'redis://10.0.0.5:6380/2', keyPrefix: 'lb1:', timeout: 20, onError: 'closed' });
  assert.equal(expectValid(withState('state: { store: redis, url: "rediss://user:pw@redis.internal:6379" }')).state.url, 'rediss://user:pw@redis.internal:6379');
});

test('refused where written: an unknown store, a URL that is not redis://, a bad database, a timeout out of range, onError, an unknown key', () => {
  assertError(expectErrors(withState('state: { store: memcached }')), 'state.store', '1:17', 'memory');
  assertError(expectErrors(withState('state: { store: redis, url: "http://127.0.0.1:6379" }')), 'state.url', '1:29', 'expected a redis:// or rediss:// URL');
  assertError(expectErrors(withState('state: { store: redis, url: "127.0.0.1:6379" }')), 'state.url', '1:29', 'redis://');
  assertError(expectErrors(withState('state: { store: redis, url: "redis://127.0.0.1:6379/cache" }')), 'state.url', '1:29', 'expected a database number');
  assertError(expectErrors(withState('state: { timeout: 0ms }')), 'state.timeout', '1:19', 'between 1ms and 10s');
  assertError(expectErrors(withState('state: { timeout: 1m }')), 'state.timeout', '1:19', 'between 1ms and 10s');
  assertError(expectErrors(withState('state: { timeout: soon }')), 'state.timeout', '1:19', 'expected a duration');
  assertError(expectErrors(withState('state: { onError: retry }')), 'state.onError', '1:19', 'open');
  assertError(expectErrors(withState('state: { store: redis, password: x }')), 'state.password', '1:24', "unknown key 'password'");
});

test('the printed config writes the timeout as a duration and hides a password in the URL', () => {
  const printed = printableConfig(expectValid(withState('state: { store: redis, url: "redis://app:s3cret@127.0.0.1:6379", timeout: 75ms }')));
  const state = printed.state as Record<string, unknown>;
  assert.equal(state.timeout, '75ms');
  assert.ok(!String(state.url).includes('s3cret'), String(state.url));
  assert.equal(state.store, 'redis');
});
