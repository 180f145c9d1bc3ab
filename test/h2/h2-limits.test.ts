// HTTP/2 refusals and limits: malformed requests are stream errors, oversized header lists are
// refused, a client resetting streams too fast gets GOAWAY(ENHANCE_YOUR_CALM); h2load finds no failure.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import type { Fulcrum } from '../../src/fulcrum.js';
import { startHttpBackend, type HttpBackend } from '../helpers/http-backend.js';
import { run } from '../helpers/l4.js';
import { portOf, startFulcrum, yaml } from '../helpers/fulcrum.js';
import { errorCode, FRAME, RawH2Client, requestFields } from '../helpers/h2-raw.js';

const { NGHTTP2_PROTOCOL_ERROR, NGHTTP2_ENHANCE_YOUR_CALM } = http2.constants;

let backend: HttpBackend;
let fulcrum: Fulcrum;
let port: number;

before(async () => {
  backend = await startHttpBackend();
  fulcrum = await startFulcrum(yaml`
    listeners:
      - name: web
        address: 127.0.0.1:0
        http2: { enabled: true, maxConcurrentStreams: 50, maxHeaderListSize: 4kb, maxResetsPerWindow: 20, resetWindow: 10s }
        routes: [ { service: app } ]
    services:
      app: { backends: [ { address: ${backend.address} } ] }
  `);
  port = portOf(fulcrum);
});

after(async () => {
  await fulcrum?.close();
  await backend?.close();
});

const FORBIDDEN: Array<[string, Array<[string, string]>]> = [
  ['connection', [['connection', 'keep-alive']]],
  ['keep-alive', [['keep-alive', 'timeout=5']]],
  ['transfer-encoding', [['transfer-encoding', 'chunked']]],
  ['upgrade', [['upgrade', 'websocket']]],
  ['proxy-connection', [['proxy-connection', 'close']]],
  ['te other than trailers', [['te', 'gzip']]],
  ['an upper-case name', [['X-Upper', 'a']]],
];

for (const [what, fields] of FORBIDDEN) {
  test(`${what} is a stream error (RST_STREAM PROTOCOL_ERROR); the connection and other streams live on`, async () => {
    const client = await RawH2Client.connect(port);
    try {
      client.headers(1, requestFields('/bad', fields));
      const rst = await client.waitFor((f) => f.stream === 1 && (f.type === FRAME.RST_STREAM || f.type === FRAME.HEADERS));
      assert.equal(rst.type, FRAME.RST_STREAM);
      assert.equal(errorCode(rst), NGHTTP2_PROTOCOL_ERROR);
      client.headers(3, requestFields('/good'));
      const ok = await client.waitFor((f) => f.stream === 3 && f.type === FRAME.HEADERS);
      assert.ok(ok);
    } finally {
      client.close();
    }
  });
}

// nghttp2 (under node:http2) drops a field whose value holds CR, LF or NUL before Fulcrum sees
// the header block, so such a request goes on without it; it is never forwarded, nothing is injected.
for (const [what, field] of [
  ['CR LF', ['x-smuggle', 'a\r\nx-injected: 1']],
  ['NUL', ['x-smuggle', 'a\u0000b']],
] as Array<[string, [string, string]]>) {
  test(`a value with ${what} never reaches the backend, and injects nothing`, async () => {
    const client = await RawH2Client.connect(port);
    const path = `/smuggle-${what.replace(' ', '')}`;
    try {
      client.headers(1, requestFields(path, [field]));
      await client.waitFor((f) => f.stream === 1 && (f.type === FRAME.RST_STREAM || f.type === FRAME.HEADERS));
      for (const r of backend.requests.filter((r) => r.url === path)) {
        assert.equal(r.headers['x-smuggle'], undefined);
        assert.equal(r.headers['x-injected'], undefined);
      }
    } finally {
      client.close();
    }
  });
}

test('te: trailers is allowed', async () => {
  const client = await RawH2Client.connect(port);
  try {
    client.headers(1, requestFields('/te', [['te', 'trailers']]));
    const answer = await client.waitFor((f) => f.stream === 1 && (f.type === FRAME.RST_STREAM || f.type === FRAME.HEADERS));
    assert.equal(answer.type, FRAME.HEADERS);
  } finally {
    client.close();
  }
});

test('no request with a forbidden field reached the backend', () => {
  assert.equal(backend.requests.filter((r) => r.url === '/bad').length, 0);
});

test('a header list above maxHeaderListSize is refused, never forwarded', async () => {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  session.on('error', () => {});
  try {
    const status = await new Promise<string>((resolve) => {
      const stream = session.request({ ':path': '/huge', 'x-big': 'a'.repeat(6000) });
      stream.on('response', (h) => resolve(String(h[':status'])));
      stream.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
      stream.on('close', () => resolve(`closed ${stream.rstCode}`));
      stream.resume();
    });
    assert.notEqual(status, '200');
    assert.equal(backend.requests.filter((r) => r.url === '/huge').length, 0);
  } finally {
    session.destroy();
  }
});

test('SETTINGS advertise the configured limits', async () => {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  const settings = await new Promise<http2.Settings>((resolve) => session.once('remoteSettings', resolve));
  assert.equal(settings.maxConcurrentStreams, 50);
  assert.equal(settings.maxHeaderListSize, 4096);
  session.destroy();
});

test('rapid reset: past maxResetsPerWindow client resets, GOAWAY(ENHANCE_YOUR_CALM)', async () => {
  const client = await RawH2Client.connect(port);
  try {
    for (let i = 0; i < 40; i++) {
      const id = 1 + 2 * i;
      client.headers(id, requestFields(`/reset/${i}`), false);
      client.rst(id, http2.constants.NGHTTP2_CANCEL);
    }
    const goaway = await client.waitFor((f) => f.type === FRAME.GOAWAY);
    assert.equal(errorCode(goaway), NGHTTP2_ENHANCE_YOUR_CALM);
  } finally {
    client.close();
  }
});

test('normal cancellations below the threshold do not end the connection', async () => {
  const client = await RawH2Client.connect(port);
  try {
    for (let i = 0; i < 10; i++) {
      client.headers(1 + 2 * i, requestFields(`/cancel/${i}`), false);
      client.rst(1 + 2 * i, http2.constants.NGHTTP2_CANCEL);
    }
    client.headers(21, requestFields('/after'));
    const ok = await client.waitFor((f) => f.stream === 21 && f.type === FRAME.HEADERS);
    assert.ok(ok);
    assert.equal(
      client.frames.some((f) => f.type === FRAME.GOAWAY),
      false,
    );
  } finally {
    client.close();
  }
});

test('h2load: 2000 requests over 10 connections × 10 streams, 0 failed', async () => {
  const result = await run('h2load', ['-n', '2000', '-c', '10', '-m', '10', `http://127.0.0.1:${port}/load`], { timeoutMs: 20_000 });
  assert.equal(result.code, 0, result.stderr);
  const line = /requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored/.exec(result.stdout);
  assert.ok(line, result.stdout);
  assert.equal(line[4], '2000', result.stdout);
  assert.equal(line[5], '0');
  assert.equal(line[6], '0');
});
