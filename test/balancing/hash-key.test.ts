import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compileHashKey, type KeySource } from '../../src/balancing/hash-key.js';

function source(parts: { headers?: Record<string, string>; cookies?: Record<string, string>; query?: Record<string, string> }): KeySource {
  return {
    clientIp: '203.0.113.9',
    path: '/videos/42',
    header: (name) => parts.headers?.[name],
    cookie: (name) => parts.cookies?.[name],
    query: (name) => parts.query?.[name],
  };
}

describe('compileHashKey', () => {
  it('reads each kind of key', () => {
    const req = source({ headers: { 'x-user': 'alice' }, cookies: { sid: 'abc' }, query: { shard: '7' } });
    assert.equal(compileHashKey('client-ip')(req), '203.0.113.9');
    assert.equal(compileHashKey('path')(req), '/videos/42');
    assert.equal(compileHashKey('header:X-User')(req), 'alice');
    assert.equal(compileHashKey('cookie:sid')(req), 'abc');
    assert.equal(compileHashKey('query:shard')(req), '7');
  });

  it('falls back to the client IP when the value is missing or empty', () => {
    const req = source({ headers: { 'x-user': '' } });
    assert.equal(compileHashKey('header:x-user')(req), '203.0.113.9');
    assert.equal(compileHashKey('cookie:sid')(req), '203.0.113.9');
    assert.equal(compileHashKey('query:shard')(req), '203.0.113.9');
  });

  it('rejects unknown or nameless specs with a readable message', () => {
    assert.throws(() => compileHashKey('header:'), /needs a name/);
    assert.throws(() => compileHashKey('body:x'), /not one of client-ip/);
    assert.throws(() => compileHashKey('cookie'), /needs a name/);
  });
});
