import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isInside, staticPath } from '../../src/http/middleware/static-path.js';

const segments = (path: string) => {
  const result = staticPath(path);
  return result.ok ? result.segments.join('/') : result.status;
};

test('plain paths map to segments; a trailing slash marks a directory', () => {
  assert.equal(segments('/a/b.txt'), 'a/b.txt');
  assert.deepEqual(staticPath('/docs/'), { ok: true, segments: ['docs'], directory: true });
  assert.deepEqual(staticPath('/'), { ok: true, segments: [], directory: true });
  assert.equal(segments('/a//b/./c'), 'a/b/c');
  assert.equal(segments('/caf%C3%A9.txt'), 'café.txt');
});

test('".." resolves inside the root and is refused above it, encoded or not', () => {
  assert.equal(segments('/a/../b'), 'b');
  assert.equal(segments('/..'), 400);
  assert.equal(segments('/../etc/passwd'), 400);
  assert.equal(segments('/a/../../etc/passwd'), 400);
  assert.equal(segments('/%2e%2e/etc/passwd'), 400);
  assert.equal(segments('/%2E%2E/%2e%2e/etc/passwd'), 400);
  assert.equal(segments('/a/%2e%2e/%2e%2e/x'), 400);
});

test('decoding happens once: %252e stays the literal name "%2e"', () => {
  assert.equal(segments('/%252e%252e/etc/passwd'), '%2e%2e/etc/passwd');
});

test('an encoded slash, backslash or NUL inside a segment is refused; bad escapes too', () => {
  assert.equal(segments('/..%2fetc%2fpasswd'), 400);
  assert.equal(segments('/a%2f..%2f..%2fx'), 400);
  assert.equal(segments('/..%5c..%5cx'), 400);
  assert.equal(segments('/a%00.txt'), 400);
  assert.equal(segments('/%zz'), 400);
  assert.equal(segments('relative'), 400);
});

test('dot files are not served, .well-known is', () => {
  assert.equal(segments('/.git/config'), 404);
  assert.equal(segments('/.env'), 404);
  assert.equal(segments('/%2eenv'), 404);
  assert.equal(segments('/.well-known/security.txt'), '.well-known/security.txt');
});

test('isInside is by path segment, not by string prefix', () => {
  assert.equal(isInside('/srv/www', '/srv/www'), true);
  assert.equal(isInside('/srv/www', '/srv/www/a'), true);
  assert.equal(isInside('/srv/www', '/srv/www2/a'), false);
  assert.equal(isInside('/srv/www', '/etc/passwd'), false);
  assert.equal(isInside('/', '/etc/passwd'), true);
});
