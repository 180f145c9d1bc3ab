// Authorities (Host, absolute-form, :authority) refused by the one RFC 3986 rule, oversized chunk
// extensions, and a redirect to https without a Host: each answered 400 and closed, nothing forwarded.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import type { Fulcrum } from '../../src/fulcrum.js';
import { startHttpBackend, type HttpBackend } from '../helpers/http-backend.js';
import { rawRequest } from '../helpers/raw-client.js';
import { portOf, startFulcrum, yaml } from '../helpers/fulcrum.js';

const BAD_AUTHORITIES = ['[::1', '[::1]x', 'a:1:2', 'a:70000', 'a:', 'user@a', 'user:pw@a:80', '[1::2::3]'];
const EXTENSION = 'x'.repeat(5000); // over the 4 KiB per chunk line

const CASES: Array<{ name: string; bytes: string }> = [
  ...BAD_AUTHORITIES.map((host) => ({ name: `Host: ${host}`, bytes: `GET / HTTP/1.1\r\nHost: ${host}\r\n\r\n` })),
  ...BAD_AUTHORITIES.map((host) => ({ name: `absolute-form http://${host}/`, bytes: `GET http://${host}/ HTTP/1.1\r\nHost: a\r\n\r\n` })),
  { name: 'a valid absolute-form with an invalid Host', bytes: 'GET http://a/ HTTP/1.1\r\nHost: a:1:2\r\n\r\n' },
  // no CRLF ever ends the extension: refused while it arrives, not after
  { name: 'a chunk extension over 4 KiB', bytes: `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;${EXTENSION}` },
];

describe('authority and chunk-extension refusals', () => {
  let backend: HttpBackend;
  let fulcrum: Fulcrum;
  let port: number;
  let redirectPort: number;

  before(async () => {
    backend = await startHttpBackend();
    fulcrum = await startFulcrum(yaml`
      listeners:
        - name: web
          address: 127.0.0.1:0
          http2: { enabled: true }
          routes: [ { service: api } ]
        - name: plain
          address: 127.0.0.1:0
          redirectToHttps: { port: 18443 }
      services:
        api:
          backends: [ { address: ${backend.address} } ]
    `);
    port = portOf(fulcrum, 'web');
    redirectPort = portOf(fulcrum, 'plain');
  });

  after(async () => {
    await fulcrum?.close();
    await backend?.close();
  });

  for (const c of CASES) {
    test(`${c.name} → 400 and close, nothing forwarded`, async () => {
      const before = backend.raw().length;
      const response = await rawRequest(port, c.bytes);
      assert.equal(response.status, 400);
      assert.equal(response.closed, true, 'the connection is closed after the refusal');
      const sentinel = await rawRequest(port, 'GET /sentinel HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
      assert.equal(sentinel.status, 200);
      assert.ok(backend.raw().slice(before).startsWith('GET /sentinel HTTP/1.1\r\n'), 'the backend saw only the sentinel');
    });
  }

  test('valid authorities still go through (IPv6 literal with a port, port 65535)', async () => {
    for (const host of ['[::1]:8080', 'a:65535', '[v1.x]']) {
      const response = await rawRequest(port, `GET / HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
      assert.equal(response.status, 200, host);
    }
  });

  test('HTTP/2 :authority follows the same rule: 400, nothing forwarded', async () => {
    const before = backend.requests.length;
    const session = http2.connect(`http://127.0.0.1:${port}`);
    try {
      for (const authority of ['a:1:2', '[::1', 'a:70000', 'user@a']) {
        const stream = session.request({ ':method': 'GET', ':path': '/', ':scheme': 'http', ':authority': authority });
        // 400 from Fulcrum, or (newer nghttp2, Node 24) the stream reset by the HTTP/2 layer before
        // Fulcrum sees it: a refusal either way, and the backend gets nothing
        const status = await new Promise<number | string>((resolve, reject) => {
          stream.once('response', (headers) => resolve(Number(headers[':status'])));
          stream.once('error', (error: Error & { code?: string }) => (/NGHTTP2_PROTOCOL_ERROR/.test(error.message) ? resolve('reset') : reject(error)));
        });
        stream.resume();
        assert.ok(status === 400 || status === 'reset', `${authority}: ${status}`);
      }
    } finally {
      session.close();
    }
    assert.equal(backend.requests.length, before, 'the backend got nothing');
  });

  test('HTTP/1.0 without Host on a redirect-to-https listener → 400 (no Location to a hostless URL)', async () => {
    const response = await rawRequest(redirectPort, 'GET /x HTTP/1.0\r\n\r\n');
    assert.equal(response.status, 400);
    assert.equal(response.headers['location'], undefined);
    assert.equal(response.closed, true);
    const withHost = await rawRequest(redirectPort, 'GET /x HTTP/1.0\r\nHost: a.example\r\n\r\n');
    assert.equal(withHost.status, 301);
    assert.equal(withHost.headers['location'], 'https://a.example:18443/x');
  });
});
