import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findHeadEnd, nextScanFrom } from '../../src/http/h1/head-boundary.js';
import { HttpParseError } from '../../src/http/h1/parse-error.js';

const LIMITS = { maxHeaderBytes: 64, maxUriLength: 16 };
const status = (text: string): number => {
  try {
    findHeadEnd(Buffer.from(text, 'latin1'), 0, LIMITS);
  } catch (error) {
    if (error instanceof HttpParseError) return error.status;
    throw error;
  }
  return 0;
};

test('finds the blank line, also when it arrives across reads (scanning on from nextScanFrom)', () => {
  assert.equal(findHeadEnd(Buffer.from('GET / HTTP/1.1\r\nHost: a\r\n\r\nrest'), 0, LIMITS), 23);
  const first = Buffer.from('GET / HTTP/1.1\r\nHost: a\r\n\r');
  assert.equal(findHeadEnd(first, 0, LIMITS), -1);
  const grown = Buffer.concat([first, Buffer.from('\n')]);
  assert.equal(findHeadEnd(grown, nextScanFrom(first), LIMITS), 23);
});

test('refuses early what can never become a head: bare LF 400, long request line 414, big head 431', () => {
  assert.equal(status('GET / HTTP/1.1\nHost: a'), 400);
  assert.equal(status('GET /' + 'a'.repeat(60)), 414);
  assert.equal(status('GET / HTTP/1.1\r\n' + 'X: y\r\n'.repeat(12)), 431);
  assert.equal(status('GET / HTTP/1.1\r\n' + 'X: y\r\n'.repeat(8) + '\r\n'), 431);
  assert.equal(status('GET / HTTP/1.1\r\nHost: a'), 0);
});
