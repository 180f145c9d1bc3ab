import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRequestHead } from '../../src/http/h1/request-head.js';
import { HttpParseError } from '../../src/http/h1/parse-error.js';
import type { HttpLimits } from '../../src/config/types.js';

const limits: HttpLimits = { maxHeaderBytes: 16384, maxUriLength: 64, maxHeaders: 5, maxBodyBytes: 0 };

function parse(lines: string[]) {
  const text = lines.join('\r\n');
  return parseRequestHead(text, text.length, limits);
}

function refused(lines: string[], status: number, reason?: RegExp): void {
  assert.throws(
    () => parse(lines),
    (error: unknown) => error instanceof HttpParseError && error.status === status && (!reason || reason.test(error.reason)),
    `expected ${status} for ${JSON.stringify(lines)}`,
  );
}

test('a plain GET', () => {
  const head = parse(['GET /a/b?c=d HTTP/1.1', 'Host: Example.com:80', 'Accept: */*']);
  assert.equal(head.method, 'GET');
  assert.equal(head.path, '/a/b');
  assert.equal(head.query, 'c=d');
  assert.equal(head.host, 'example.com');
  assert.equal(head.authority, 'Example.com:80');
  assert.equal(head.keepAlive, true);
  assert.equal(head.hasBody, false);
});

test('absolute-form: the authority replaces Host and the target becomes origin-form', () => {
  const head = parse(['GET http://api.example.com/x?y=1 HTTP/1.1', 'Host: other']);
  assert.equal(head.target, '/x?y=1');
  assert.equal(head.host, 'api.example.com');
});

test('framing: identical Content-Length repeated is one length; chunked alone', () => {
  assert.equal(parse(['POST / HTTP/1.1', 'Host: x', 'Content-Length: 5', 'Content-Length: 5']).contentLength, 5);
  assert.equal(parse(['POST / HTTP/1.1', 'Host: x', 'Content-Length: 5, 5']).contentLength, 5);
  assert.equal(parse(['POST / HTTP/1.1', 'Host: x', 'Transfer-Encoding: Chunked']).chunked, true);
});

test('ambiguous framing is refused', () => {
  refused(['POST / HTTP/1.1', 'Host: x', 'Content-Length: 5', 'Transfer-Encoding: chunked'], 400, /both/);
  refused(['POST / HTTP/1.1', 'Host: x', 'Content-Length: 5', 'Content-Length: 6'], 400, /conflicting/);
  refused(['POST / HTTP/1.1', 'Host: x', 'Content-Length: 5, 6'], 400);
  refused(['POST / HTTP/1.1', 'Host: x', 'Content-Length: -1'], 400);
  refused(['POST / HTTP/1.1', 'Host: x', 'Content-Length: 0x10'], 400);
  refused(['POST / HTTP/1.1', 'Host: x', 'Content-Length: '], 400);
  refused(['POST / HTTP/1.1', 'Host: x', 'Transfer-Encoding: chunked, gzip'], 400, /end in chunked/);
  refused(['POST / HTTP/1.1', 'Host: x', 'Transfer-Encoding: gzip, chunked'], 501);
  refused(['POST / HTTP/1.1', 'Host: x', 'Transfer-Encoding: chunked', 'Transfer-Encoding: chunked'], 501);
  refused(['POST / HTTP/1.0', 'Transfer-Encoding: chunked'], 400);
});

test('malformed header lines are refused', () => {
  refused(['GET / HTTP/1.1', 'Host: x', 'A: b', ' folded'], 400, /folding/);
  refused(['GET / HTTP/1.1', 'Host : x'], 400, /before the colon/);
  refused(['GET / HTTP/1.1', 'Host: x', 'Bad[Name]: y'], 400, /name/);
  refused(['GET / HTTP/1.1', 'Host: x', 'A: b\u0000c'], 400, /value/);
  refused(['GET / HTTP/1.1', 'Host: x', 'A: b\rc'], 400, /value/);
  refused(['GET / HTTP/1.1', 'Host: x', 'A: b\nc'], 400);
  refused(['GET / HTTP/1.1', 'Host: x', 'NoColon'], 400);
});

test('Host rules', () => {
  refused(['GET / HTTP/1.1'], 400, /missing Host/);
  refused(['GET / HTTP/1.1', 'Host: a', 'Host: b'], 400, /duplicate Host/);
  refused(['GET / HTTP/1.1', 'Host: a b'], 400);
  refused(['GET / HTTP/1.1', 'Host: user@a'], 400);
  assert.equal(parse(['GET / HTTP/1.0']).host, '');
});

test('request line rules', () => {
  refused(['GET  / HTTP/1.1', 'Host: x'], 400);
  refused(['GET /a b HTTP/1.1', 'Host: x'], 400);
  refused(['GET a HTTP/1.1', 'Host: x'], 400);
  refused(['GET /#frag HTTP/1.1', 'Host: x'], 400);
  refused(['GET / HTTP/1.1 ', 'Host: x'], 400);
  refused(['GET / HTTP/1.x', 'Host: x'], 400);
  refused(['GET / HTTP/2.0', 'Host: x'], 505);
  refused(['G(T / HTTP/1.1', 'Host: x'], 400);
  refused(['CONNECT x:443 HTTP/1.1', 'Host: x'], 405);
  refused(['GET /' + 'a'.repeat(64) + ' HTTP/1.1', 'Host: x'], 414);
});

test('limits and expectations', () => {
  refused(['GET / HTTP/1.1', 'Host: x', 'a: 1', 'b: 2', 'c: 3', 'd: 4', 'e: 5'], 431);
  refused(['GET / HTTP/1.1', 'Host: x', 'Expect: something'], 417);
  assert.equal(parse(['POST / HTTP/1.1', 'Host: x', 'Expect: 100-Continue', 'Content-Length: 1']).expectContinue, true);
});

test('connection persistence follows version and Connection', () => {
  assert.equal(parse(['GET / HTTP/1.1', 'Host: x', 'Connection: close']).keepAlive, false);
  assert.equal(parse(['GET / HTTP/1.0']).keepAlive, false);
  assert.equal(parse(['GET / HTTP/1.0', 'Connection: keep-alive']).keepAlive, true);
});
