import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isFieldValue } from '../../src/http/h1/chars.js';

test('isFieldValue takes HTAB, SP, VCHAR and obs-text and nothing else (RFC 9110 5.5)', () => {
  for (let c = 0; c < 0x200; c++) {
    const expected = c === 0x09 || (c >= 0x20 && c <= 0x7e) || (c >= 0x80 && c <= 0xff);
    assert.equal(isFieldValue(`a${String.fromCharCode(c)}b`, 0, 3), expected, `char 0x${c.toString(16)}`);
  }
});

test('isFieldValue looks only at [start, end)', () => {
  const s = '\r\nok value\r\n';
  assert.equal(isFieldValue(s, 2, 10), true);
  assert.equal(isFieldValue(s, 1, 10), false);
  assert.equal(isFieldValue(s, 2, 11), false);
  assert.equal(isFieldValue(s, 5, 5), true);
});
