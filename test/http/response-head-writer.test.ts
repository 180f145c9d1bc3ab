import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clientResponseHead, type ClientResponsePlan } from '../../src/http/h1/response-head-writer.js';
import { parseResponseHead } from '../../src/http/h1/response-head.js';

function backendHead(text: string) {
  return parseResponseHead(text, text.length - 4);
}

const PLAN: ClientResponsePlan = {
  version: 11,
  head: false,
  chunked: false,
  keepsLength: true,
  keepAlive: true,
  hideLoadReport: false,
  extraLines: '',
  replaceHsts: false,
};

test('relays end-to-end fields in order and re-states the length; hop-by-hop and Connection-named fields are dropped', () => {
  const head = backendHead('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: keep-alive, X-Secret\r\nKeep-Alive: timeout=5\r\nX-Secret: 1\r\nContent-Length: 5\r\nX-A: b\r\n\r\n');
  assert.equal(clientResponseHead(head, PLAN), 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-A: b\r\nContent-Length: 5\r\n\r\n');
});

test('a re-chunked body says Transfer-Encoding: chunked instead of a length; a closing connection says so', () => {
  const head = backendHead('HTTP/1.1 200 OK\r\nX-A: b\r\n\r\n');
  assert.equal(clientResponseHead(head, { ...PLAN, chunked: true, keepAlive: false }), 'HTTP/1.1 200 OK\r\nX-A: b\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n');
});

test('HTTP/1.0 clients that stay connected are told keep-alive', () => {
  const head = backendHead('HTTP/1.1 204 No Content\r\n\r\n');
  assert.equal(clientResponseHead(head, { ...PLAN, version: 10 }), 'HTTP/1.1 204 No Content\r\nConnection: keep-alive\r\n\r\n');
});

test('204 and 304 never get a Content-Length; a compressed body drops the backend length', () => {
  const notModified = backendHead('HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\nETag: "x"\r\n\r\n');
  assert.equal(clientResponseHead(notModified, PLAN), 'HTTP/1.1 304 Not Modified\r\nETag: "x"\r\n\r\n');
  const ok = backendHead('HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n');
  assert.equal(clientResponseHead(ok, { ...PLAN, keepsLength: false, chunked: true }), 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n');
});

test('HEAD keeps the backend framing field of a chunked response (HTTP/1.1 only)', () => {
  const head = backendHead('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n');
  assert.equal(clientResponseHead(head, { ...PLAN, head: true }), 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n');
  assert.equal(clientResponseHead(head, { ...PLAN, head: true, version: 10 }), 'HTTP/1.1 200 OK\r\nConnection: keep-alive\r\n\r\n');
});

test("X-Backend-Load is hidden when the service reads it; the listener's HSTS replaces the backend's", () => {
  const head = backendHead('HTTP/1.1 200 OK\r\nX-Backend-Load: 0.5\r\nStrict-Transport-Security: max-age=1\r\nContent-Length: 0\r\n\r\n');
  const hsts = 'Strict-Transport-Security: max-age=63072000\r\n';
  assert.equal(
    clientResponseHead(head, { ...PLAN, hideLoadReport: true, replaceHsts: true, extraLines: hsts + 'Set-Cookie: S=1\r\n' }),
    'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n' + hsts + 'Set-Cookie: S=1\r\n\r\n',
  );
  assert.match(clientResponseHead(head, PLAN), /X-Backend-Load: 0.5\r\nStrict-Transport-Security: max-age=1\r\n/);
});
