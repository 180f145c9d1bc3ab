import assert from 'node:assert/strict';
import { test } from 'node:test';
import { commonFieldName, commonLower, commonSpelling } from '../../src/http/h1/common-fields.js';
import { FieldList, parseFieldLines } from '../../src/http/h1/fields.js';

function find(name: string, around = ''): number {
  const s = around + name + ': x';
  return commonFieldName(s, around.length, around.length + name.length);
}

test('a common name is found in its usual spelling and in lower case, at any offset', () => {
  for (const name of ['Host', 'host', 'Content-Length', 'content-length', 'X-Request-ID', 'x-request-id', 'ETag', 'etag', 'TE', 'te']) {
    const index = find(name, 'GET / HTTP/1.1\r\n');
    assert.notEqual(index, -1, name);
    assert.equal(commonSpelling(index), name);
    assert.equal(commonLower(index), name.toLowerCase());
  }
});

test('other spellings, prefixes and longer names are not taken for a common name', () => {
  for (const name of ['HOST', 'HoSt', 'Hos', 'Hosts', 'X-Request-Id', 'Content-Lengthy', 'Etag', 'X-Custom']) {
    assert.equal(find(name), -1, name);
  }
});

test('parsed fields are the same whether or not the name is a common one', () => {
  const head = 'Host: a\r\nHOST: b\r\nx-request-id: c\r\nX-Request-Id: d\r\nContent-Length: 0\r\nX-Custom: e';
  const fields = new FieldList();
  parseFieldLines(head, 0, head.length, fields, 100, 400);
  assert.deepEqual(fields.names, ['Host', 'HOST', 'x-request-id', 'X-Request-Id', 'Content-Length', 'X-Custom']);
  assert.deepEqual(fields.lower, ['host', 'host', 'x-request-id', 'x-request-id', 'content-length', 'x-custom']);
  assert.deepEqual(fields.values, ['a', 'b', 'c', 'd', '0', 'e']);
});

test('an invalid name is still refused when it is not a common one', () => {
  const head = 'Ho(st: a';
  assert.throws(() => parseFieldLines(head, 0, head.length, new FieldList(), 100, 400), /invalid header name/);
});
