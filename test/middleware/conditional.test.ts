import { test } from 'node:test';
import assert from 'node:assert/strict';
import { etagMatches, fileEtag, ifRangeAllows, notModifiedSince, parseRange } from '../../src/http/middleware/conditional.js';

test('fileEtag is strong and changes with mtime and size', () => {
  const tag = fileEtag(1_700_000_000_123.7, 1234);
  assert.match(tag, /^"[0-9a-f]+-4d2"$/);
  assert.notEqual(tag, fileEtag(1_700_000_000_124, 1234));
  assert.notEqual(tag, fileEtag(1_700_000_000_123, 1235));
});

test('If-None-Match: weak comparison, lists and *', () => {
  const tag = '"abc-1"';
  assert.equal(etagMatches('"abc-1"', tag), true);
  assert.equal(etagMatches('W/"abc-1"', tag), true);
  assert.equal(etagMatches('"x", "abc-1"', tag), true);
  assert.equal(etagMatches('*', tag), true);
  assert.equal(etagMatches('"abc-2"', tag), false);
});

test('If-Modified-Since compares to the second; a bad date never matches', () => {
  const mtime = Date.parse('2024-05-01T10:00:00.700Z');
  assert.equal(notModifiedSince('Wed, 01 May 2024 10:00:00 GMT', mtime), true);
  assert.equal(notModifiedSince('Wed, 01 May 2024 11:00:00 GMT', mtime), true);
  assert.equal(notModifiedSince('Wed, 01 May 2024 09:59:59 GMT', mtime), false);
  assert.equal(notModifiedSince('yesterday', mtime), false);
});

test('If-Range: our strong ETag or our exact date; a weak tag never', () => {
  const date = 'Wed, 01 May 2024 10:00:00 GMT';
  assert.equal(ifRangeAllows('"abc"', '"abc"', date), true);
  assert.equal(ifRangeAllows('"abd"', '"abc"', date), false);
  assert.equal(ifRangeAllows('W/"abc"', '"abc"', date), false);
  assert.equal(ifRangeAllows(date, '"abc"', date), true);
  assert.equal(ifRangeAllows('Wed, 01 May 2024 10:00:01 GMT', '"abc"', date), false);
});

test('parseRange: first-last, open end, suffix; clamping; 416 and ignored forms', () => {
  assert.deepEqual(parseRange('bytes=0-9', 100), { start: 0, end: 9 });
  assert.deepEqual(parseRange('bytes=90-', 100), { start: 90, end: 99 });
  assert.deepEqual(parseRange('bytes=-10', 100), { start: 90, end: 99 });
  assert.deepEqual(parseRange('bytes=-500', 100), { start: 0, end: 99 });
  assert.deepEqual(parseRange('bytes=50-500', 100), { start: 50, end: 99 });
  assert.equal(parseRange('bytes=100-', 100), 'unsatisfiable');
  assert.equal(parseRange('bytes=200-300', 100), 'unsatisfiable');
  assert.equal(parseRange('bytes=-0', 100), 'unsatisfiable');
  assert.equal(parseRange('bytes=0-', 0), 'unsatisfiable');
  assert.equal(parseRange('bytes=9-3', 100), null);
  assert.equal(parseRange('bytes=0-1,5-6', 100), null);
  assert.equal(parseRange('items=0-1', 100), null);
  assert.equal(parseRange('bytes=-', 100), null);
});
