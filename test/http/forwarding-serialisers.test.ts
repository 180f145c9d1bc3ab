// The two spellings of the forwarding decision: the HTTP/1.1 head string (forwarding.ts) and the
// HTTP/2 header object (h2/upstream-headers.ts) carry the same values, each with its own framing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type http2 from 'node:http2';
import { clientAddress, isHopByHop, upstreamRequestHead, type Peer } from '../../src/http/forwarding.js';
import { relayedHeaders, upstreamH2RequestHeaders } from '../../src/http/h2/upstream-headers.js';
import { parseRequestHead, type RequestHead } from '../../src/http/h1/request-head.js';
import { requestHeadFromH2 } from '../../src/http/h2/request.js';
import { CidrSet } from '../../src/net/cidr.js';
import type { HttpLimits } from '../../src/config/types.js';

const limits: HttpLimits = { maxHeaderBytes: 16384, maxUriLength: 1024, maxHeaders: 50, maxBodyBytes: 0 };
const PROXIES = new CidrSet(['10.0.0.0/8']);
const FORWARDING = ['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-real-ip', 'forwarded', 'x-request-id', 'via'];
const CERT = 'X-Client-Cert-Subject: CN=alice,O=Example\r\nX-Client-Cert-Fingerprint: AB:CD:EF\r\n';

function h1(lines: string[]): RequestHead {
  const text = lines.join('\r\n');
  return parseRequestHead(text, text.length, limits);
}

function h2(raw: string[]): RequestHead {
  return requestHeadFromH2(raw, limits, 65536);
}

function peer(ip: string, extra: Partial<Peer> = {}): Peer {
  return { ip, trusted: PROXIES.has(ip), proto: 'http', sni: '', certHeaders: '', ...extra };
}

/** The request line and the fields of a serialised head, lower-cased names, every value in order. */
function parseSent(text: string): { line: string; fields: Map<string, string[]> } {
  assert.ok(text.endsWith('\r\n\r\n'), 'the head ends with an empty line');
  const [line, ...rest] = text.slice(0, -4).split('\r\n');
  const fields = new Map<string, string[]>();
  for (const fieldLine of rest) {
    const colon = fieldLine.indexOf(': ');
    assert.ok(colon > 0, `a field line: ${JSON.stringify(fieldLine)}`);
    const name = fieldLine.slice(0, colon).toLowerCase();
    fields.set(name, [...(fields.get(name) ?? []), fieldLine.slice(colon + 2)]);
  }
  return { line: line!, fields };
}

function serialiseBoth(head: RequestHead, from: Peer): { h1: Map<string, string[]>; h2: http2.OutgoingHttpHeaders } {
  const clientIp = clientAddress(head, from, PROXIES);
  const sent = parseSent(upstreamRequestHead(head, from, clientIp, -2)).fields;
  // the request id was decided by the first; the second keeps it (as a retry on another protocol would)
  head.fields.push('X-Request-ID', 'x-request-id', head.requestId);
  return { h1: sent, h2: upstreamH2RequestHeaders(head, from, clientIp, 'http') };
}

const CASES: Array<[string, () => RequestHead, Peer]> = [
  [
    'an untrusted HTTP/1.1 client with spoofed fields',
    () => h1(['GET /p?q=1 HTTP/1.1', 'Host: app.test', 'X-Forwarded-For: 1.2.3.4', 'X-Real-IP: 1.2.3.4', 'Forwarded: for=1.2.3.4', 'X-Forwarded-Proto: https', 'Via: 1.0 edge']),
    peer('192.0.2.10'),
  ],
  [
    'a trusted proxy over HTTP/1.1',
    () => h1(['GET / HTTP/1.1', 'Host: app.test', 'X-Forwarded-For: 203.0.113.7', 'X-Forwarded-Proto: https', 'X-Forwarded-Host: public.test', 'Forwarded: for=203.0.113.7']),
    peer('10.0.0.2'),
  ],
  ['an IPv6 client', () => h1(['GET / HTTP/1.1', 'Host: app.test']), peer('2001:db8::7', { proto: 'https' })],
  [
    'an untrusted HTTP/2 client with spoofed fields',
    () => h2([':method', 'GET', ':scheme', 'http', ':path', '/', ':authority', 'app.test', 'x-forwarded-for', '1.2.3.4', 'forwarded', 'for=1.2.3.4', 'x-real-ip', '1.2.3.4']),
    peer('192.0.2.10'),
  ],
];

for (const [name, make, from] of CASES) {
  test(`the same forwarding values over HTTP/1.1 and HTTP/2: ${name}`, () => {
    const head = make();
    const { h1: sent, h2: headers } = serialiseBoth(head, from);
    for (const field of FORWARDING) {
      const value = sent.get(field);
      assert.equal(value?.length, 1, `${field} is sent once over HTTP/1.1`);
      assert.equal(headers[field], value![0], `${field} is the same over HTTP/2`);
    }
    assert.equal(sent.get('x-request-id')![0], head.requestId);
  });
}

test('HTTP/1.1: Host where the client put it, framing from the body actually sent, no TE', () => {
  const head = h1(['POST /upload HTTP/1.1', 'Accept: */*', 'Host: app.test', 'TE: trailers', 'Connection: TE', 'Content-Length: 99', 'X-A: 1']);
  const sent = upstreamRequestHead(head, peer('192.0.2.1'), '192.0.2.1', 5);
  const { line, fields } = parseSent(sent);
  assert.equal(line, 'POST /upload HTTP/1.1');
  assert.ok(sent.startsWith('POST /upload HTTP/1.1\r\nAccept: */*\r\nHost: app.test\r\nX-A: 1\r\n'), 'relayed fields in their order');
  assert.deepEqual(fields.get('content-length'), ['5'], 'the client’s Content-Length is replaced by the length sent');
  assert.equal(fields.get('te'), undefined);
  assert.equal(fields.get('connection'), undefined);
  assert.deepEqual(parseSent(upstreamRequestHead(head, peer('192.0.2.1'), '192.0.2.1', -1)).fields.get('transfer-encoding'), ['chunked']);
  const noBody = parseSent(upstreamRequestHead(head, peer('192.0.2.1'), '192.0.2.1', -2)).fields;
  assert.equal(noBody.get('content-length'), undefined);
  assert.equal(noBody.get('transfer-encoding'), undefined);
});

test('HTTP/1.1: an HTTP/1.0 request without Host gets an empty one; a WebSocket handshake keeps its upgrade', () => {
  const old = parseSent(upstreamRequestHead(h1(['GET / HTTP/1.0']), peer('192.0.2.1'), '192.0.2.1', -2)).fields;
  assert.deepEqual(old.get('host'), ['']);
  assert.equal(old.get('x-forwarded-host'), undefined);

  const ws = h1(['GET /ws HTTP/1.1', 'Host: a', 'Connection: Upgrade', 'Upgrade: websocket', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version: 13']);
  assert.equal(ws.websocket, true);
  const fields = parseSent(upstreamRequestHead(ws, peer('192.0.2.1'), '192.0.2.1', -2)).fields;
  assert.deepEqual(fields.get('connection'), ['Upgrade']);
  assert.deepEqual(fields.get('upgrade'), ['websocket']);
  assert.deepEqual(fields.get('sec-websocket-key'), ['dGhlIHNhbXBsZSBub25jZQ==']);
});

test('HTTP/2: :authority instead of Host, TE: trailers and Content-Length relayed, repeated fields kept', () => {
  const head = h2([
    ':method',
    'POST',
    ':scheme',
    'https',
    ':path',
    '/pkg.Svc/Call',
    ':authority',
    'grpc.test',
    'te',
    'trailers',
    'content-type',
    'application/grpc',
    'content-length',
    '5',
    'x-tag',
    'a',
    'x-tag',
    'b',
  ]);
  const headers = upstreamH2RequestHeaders(head, peer('192.0.2.1', { proto: 'https' }), '192.0.2.1', 'https');
  assert.equal(headers[':method'], 'POST');
  assert.equal(headers[':path'], '/pkg.Svc/Call');
  assert.equal(headers[':scheme'], 'https');
  assert.equal(headers[':authority'], 'grpc.test');
  assert.equal(headers['host'], undefined, 'the Host field added for HTTP/1.1 backends is not sent');
  assert.equal(headers['te'], 'trailers');
  assert.equal(headers['content-length'], '5');
  assert.deepEqual(headers['x-tag'], ['a', 'b']);
  assert.equal(headers['via'], '2 fulcrum');
});

test('HTTP/2 from an HTTP/1.1 head: no connection-specific field reaches it (node:http2 would refuse the request)', () => {
  const head = h1([
    'POST / HTTP/1.1',
    'Host: a',
    'Connection: keep-alive, X-Hop',
    'Keep-Alive: timeout=5',
    'X-Hop: 1',
    'Transfer-Encoding: chunked',
    'TE: gzip',
    'Upgrade: h2c',
    'HTTP2-Settings: AAMAAABk',
  ]);
  const headers = upstreamH2RequestHeaders(head, peer('192.0.2.1'), '192.0.2.1', 'http');
  const sent = Object.keys(headers);
  for (const name of ['connection', 'keep-alive', 'x-hop', 'transfer-encoding', 'te', 'upgrade', 'http2-settings', 'host']) {
    assert.ok(!sent.includes(name), `${name} is not sent`);
  }
  assert.equal(headers['via'], '1.1 fulcrum', 'the protocol received');
});

test('mTLS: the verified certificate’s fields replace a client’s own, in both spellings', () => {
  const head = h1(['GET / HTTP/1.1', 'Host: a', 'X-Client-Cert-Subject: CN=forged']);
  const from = peer('192.0.2.1', { proto: 'https', certHeaders: CERT });
  const { h1: sent, h2: headers } = serialiseBoth(head, from);
  assert.deepEqual(sent.get('x-client-cert-subject'), ['CN=alice,O=Example']);
  assert.deepEqual(sent.get('x-client-cert-fingerprint'), ['AB:CD:EF']);
  assert.equal(headers['x-client-cert-subject'], 'CN=alice,O=Example');
  assert.equal(headers['x-client-cert-fingerprint'], 'AB:CD:EF');
});

test('responses: hop-by-hop and Connection-named fields are not relayed; HTTP/2 keeps content-length and drops pseudo-headers (the status goes apart)', () => {
  for (const name of ['connection', 'keep-alive', 'proxy-connection', 'te', 'upgrade', 'transfer-encoding', 'content-length']) {
    assert.equal(isHopByHop(name, null), true, name);
  }
  assert.equal(isHopByHop('x-internal', ['x-internal']), true);
  assert.equal(isHopByHop('x-internal', null), false);
  assert.equal(isHopByHop('via', null), false);
  assert.equal(isHopByHop('x-request-id', null), false);

  const relayed = relayedHeaders(
    { ':status': '200', 'content-length': '2', 'keep-alive': 'x', connection: 'close', via: '2 app', 'x-request-id': 'r', 'strict-transport-security': 'max-age=1' },
    true,
  );
  assert.deepEqual(relayed, ['content-length', '2', 'via', '2 app', 'x-request-id', 'r']);
});
