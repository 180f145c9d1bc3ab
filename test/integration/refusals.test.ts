// Requests Fulcrum must refuse: ambiguous framing and malformed heads. Each case sends raw
// bytes and checks the status, that the connection was closed, and that the backend got
// nothing (a sentinel request sent afterwards is the only thing it sees).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Fulcrum } from '../../src/fulcrum.js';
import { startHttpBackend, type HttpBackend } from '../helpers/http-backend.js';
import { rawRequest } from '../helpers/raw-client.js';
import { portOf, startFulcrum, yaml } from '../helpers/fulcrum.js';

const CASES: Array<{ name: string; status: number; bytes: string }> = [
  { name: 'Content-Length together with Transfer-Encoding', status: 400, bytes: 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n' },
  { name: 'Transfer-Encoding before Content-Length', status: 400, bytes: 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n' },
  { name: 'bad Content-Length (letters)', status: 400, bytes: 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5x\r\n\r\nhello' },
  { name: 'bad Content-Length (sign)', status: 400, bytes: 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\nhello' },
  { name: 'bad Content-Length (negative)', status: 400, bytes: 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n' },
  { name: 'bad Content-Length (empty)', status: 400, bytes: 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n' },
  { name: 'conflicting Content-Length fields', status: 400, bytes: 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!' },
  { name: 'conflicting Content-Length list', status: 400, bytes: 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 6\r\n\r\nhello!' },
  { name: 'Transfer-Encoding not ending in chunked', status: 400, bytes: 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n' },
  { name: 'Transfer-Encoding without chunked', status: 400, bytes: 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\nhello' },
  { name: 'Transfer-Encoding: chunked in an HTTP/1.0 request', status: 400, bytes: 'POST / HTTP/1.0\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n' },
  { name: 'obs-fold', status: 400, bytes: 'GET / HTTP/1.1\r\nHost: a\r\nX-Folded: one\r\n two\r\n\r\n' },
  { name: 'bare CR in a header value', status: 400, bytes: 'GET / HTTP/1.1\r\nHost: a\r\nX-A: b\rc\r\n\r\n' },
  { name: 'bare CR in the request line', status: 400, bytes: 'GET /\r HTTP/1.1\r\nHost: a\r\n\r\n' },
  { name: 'bare LF line endings', status: 400, bytes: 'GET / HTTP/1.1\nHost: a\n\n' },
  { name: 'bare LF inside a header value', status: 400, bytes: 'GET / HTTP/1.1\r\nHost: a\r\nX-A: b\nc\r\n\r\n' },
  { name: 'space before the colon', status: 400, bytes: 'GET / HTTP/1.1\r\nHost : a\r\n\r\n' },
  { name: 'space before the colon (other field)', status: 400, bytes: 'GET / HTTP/1.1\r\nHost: a\r\nX-A : b\r\n\r\n' },
  { name: 'bad header name', status: 400, bytes: 'GET / HTTP/1.1\r\nHost: a\r\nX(A): b\r\n\r\n' },
  { name: 'header line without a colon', status: 400, bytes: 'GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n' },
  { name: 'NUL in a header value', status: 400, bytes: 'GET / HTTP/1.1\r\nHost: a\r\nX-A: b\0c\r\n\r\n' },
  { name: 'control byte in a header value', status: 400, bytes: 'GET / HTTP/1.1\r\nHost: a\r\nX-A: b\x01c\r\n\r\n' },
  { name: 'DEL in a header value', status: 400, bytes: 'GET / HTTP/1.1\r\nHost: a\r\nX-A: b\x7fc\r\n\r\n' },
  { name: 'missing Host (HTTP/1.1)', status: 400, bytes: 'GET / HTTP/1.1\r\nX-A: b\r\n\r\n' },
  { name: 'duplicate Host', status: 400, bytes: 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n' },
  { name: 'invalid Host', status: 400, bytes: 'GET / HTTP/1.1\r\nHost: a b\r\n\r\n' },
  { name: 'request target that is not a path', status: 400, bytes: 'GET foo HTTP/1.1\r\nHost: a\r\n\r\n' },
  { name: 'request target with a fragment', status: 400, bytes: 'GET /a#b HTTP/1.1\r\nHost: a\r\n\r\n' },
  { name: 'request target with a space', status: 400, bytes: 'GET /a b HTTP/1.1\r\nHost: a\r\n\r\n' },
  { name: 'request target with a non-ASCII byte', status: 400, bytes: 'GET /\xe9 HTTP/1.1\r\nHost: a\r\n\r\n' },
  { name: 'invalid version', status: 400, bytes: 'GET / HTTP/1.x\r\nHost: a\r\n\r\n' },
  { name: 'invalid protocol name', status: 400, bytes: 'GET / HTTPS/1.1\r\nHost: a\r\n\r\n' },
  { name: 'lower-case protocol name', status: 400, bytes: 'GET / http/1.1\r\nHost: a\r\n\r\n' },
  { name: 'HTTP/2.0 in a request line', status: 505, bytes: 'GET / HTTP/2.0\r\nHost: a\r\n\r\n' },
  { name: 'bad chunk size', status: 400, bytes: 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n' },
  { name: 'chunk data longer than its size', status: 400, bytes: 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhello\r\n0\r\n\r\n' },
  { name: 'bare LF in chunk framing', status: 400, bytes: 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n' },
];

describe('refusals', () => {
  let backend: HttpBackend;
  let fulcrum: Fulcrum;
  let port: number;
  let sentinels = 0;

  before(async () => {
    backend = await startHttpBackend();
    fulcrum = await startFulcrum(yaml`
      listeners:
        - name: web
          address: 127.0.0.1:0
          routes: [ { service: api } ]
      services:
        api:
          backends: [ { address: ${backend.address} } ]
    `);
    port = portOf(fulcrum);
  });

  after(async () => {
    await fulcrum?.close();
    await backend?.close();
  });

  /** A valid request after the refusal: once the backend has it, anything forwarded earlier has arrived too. */
  async function assertBackendGotOnlySentinel(rawBefore: number, requestsBefore: number): Promise<void> {
    const path = `/sentinel-${++sentinels}`;
    const response = await rawRequest(port, `GET ${path} HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n`);
    assert.equal(response.status, 200, 'the sentinel request went through');
    assert.deepEqual(
      backend.requests.slice(requestsBefore).map((r) => r.url),
      [path],
      'the backend saw only the sentinel request',
    );
    const raw = backend.raw().slice(rawBefore);
    assert.ok(raw.startsWith(`GET ${path} HTTP/1.1\r\n`), `the backend received other bytes: ${JSON.stringify(raw.slice(0, 200))}`);
  }

  for (const c of CASES) {
    test(`${c.name} → ${c.status} and close`, async () => {
      const rawBefore = backend.raw().length;
      const requestsBefore = backend.requests.length;
      const response = await rawRequest(port, c.bytes);
      assert.equal(response.status, c.status);
      assert.equal(response.headers['connection'], 'close');
      assert.equal(response.closed, true, 'the connection is closed after the refusal');
      await assertBackendGotOnlySentinel(rawBefore, requestsBefore);
    });
  }

  test('a refused pipelined request does not reach the backend either', async () => {
    const rawBefore = backend.raw().length;
    const requestsBefore = backend.requests.length;
    const response = await rawRequest(port, 'GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n');
    assert.equal(response.status, 400);
    assert.equal(response.closed, true);
    await assertBackendGotOnlySentinel(rawBefore, requestsBefore);
  });
});
