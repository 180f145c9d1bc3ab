import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertError, expectErrors, expectValid, minimal, yaml } from './helpers.js';

test('drainTimeout defaults to 30s and takes a duration', () => {
  assert.equal(expectValid(minimal()).services.get('api')!.drainTimeout, 30_000);
  assert.equal(expectValid(minimal([], ['    drainTimeout: 250ms'])).services.get('api')!.drainTimeout, 250);
  const errors = expectErrors(minimal([], ['    drainTimeout: soon']));
  assertError(errors, 'services.api.drainTimeout', '10:19', 'soon');
});

test('reload.watch defaults to false', () => {
  assert.deepEqual(expectValid(minimal()).reload, { watch: false });
  assert.deepEqual(expectValid('reload: { watch: true }\n' + minimal()).reload, { watch: true });
  assertError(expectErrors('reload: { watch: yes please }\n' + minimal()), 'reload.watch', '1:18', 'expected true or false');
});

test('an admin API bound off loopback needs a token', () => {
  const errors = expectErrors(yaml('admin: { address: 0.0.0.0:9090 }', ...minimal().trimEnd().split('\n')));
  assertError(errors, 'admin.token', '1:8', 'not loopback: set admin.token');
  expectValid(yaml('admin: { address: 0.0.0.0:9090, token: t0ken }', ...minimal().trimEnd().split('\n')));
  for (const address of ['127.0.0.1:9090', '127.0.0.2:9090', '"[::1]:9090"', 'localhost:9090']) {
    expectValid(yaml(`admin: { address: ${address} }`, ...minimal().trimEnd().split('\n')));
  }
});
