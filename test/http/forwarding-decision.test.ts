// The forwarding decision on its own: which incoming fields are believed, the values Fulcrum
// sets, and what becomes of every other field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clientAddress, Fate, ForwardingDecision, type Peer } from '../../src/http/forwarding-decision.js';
import { parseRequestHead, type RequestHead } from '../../src/http/h1/request-head.js';
import { requestHeadFromH2 } from '../../src/http/h2/request.js';
import { CidrSet } from '../../src/net/cidr.js';
import type { HttpLimits } from '../../src/config/types.js';

const limits: HttpLimits = { maxHeaderBytes: 16384, maxUriLength: 1024, maxHeaders: 50, maxBodyBytes: 0 };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const PROXIES = new CidrSet(['10.0.0.0/8']);

function h1(lines: string[]): RequestHead {
  const text = lines.join('\r\n');
  return parseRequestHead(text, text.length, limits);
}

function peer(ip: string, extra: Partial<Peer> = {}): Peer {
  return { ip, trusted: PROXIES.has(ip), proto: 'http', sni: '', certHeaders: '', ...extra };
}

interface Decided {
  values: Omit<ForwardingDecision, 'begin' | 'field' | 'finish'>;
  /** the fate of each field, by its name as sent */
  fates: Array<[string, Fate]>;
}

/** Runs the decision as a serialiser does, with the client address the connection computes. */
function decide(head: RequestHead, from: Peer): Decided {
  const decision = new ForwardingDecision();
  const { names, lower, values } = head.fields;
  decision.begin(from);
  const fates: Array<[string, Fate]> = [];
  for (let i = 0; i < names.length; i++) fates.push([names[i]!, decision.field(lower[i]!, values[i]!, head.connectionTokens)]);
  decision.finish(head, from, clientAddress(head, from, PROXIES));
  const { xForwardedFor, xForwardedProto, xForwardedHost, xRealIp, forwarded, requestId, via } = decision;
  return { values: { xForwardedFor, xForwardedProto, xForwardedHost, xRealIp, forwarded, requestId, via }, fates };
}

const SPOOFED = ['X-Forwarded-For: 1.2.3.4', 'X-Forwarded-Proto: https', 'X-Forwarded-Host: evil.test', 'X-Real-IP: 1.2.3.4', 'Forwarded: for=1.2.3.4;proto=https'];

test('an untrusted client: its X-Forwarded-*, X-Real-IP and Forwarded are dropped and replaced from the connection', () => {
  const head = h1(['GET / HTTP/1.1', 'Host: app.test:8080', ...SPOOFED]);
  const { values, fates } = decide(head, peer('192.0.2.10'));
  assert.equal(values.xForwardedFor, '192.0.2.10');
  assert.equal(values.xForwardedProto, 'http');
  assert.equal(values.xForwardedHost, 'app.test:8080');
  assert.equal(values.xRealIp, '192.0.2.10');
  assert.equal(values.forwarded, 'for=192.0.2.10;proto=http;host="app.test:8080"');
  assert.deepEqual(
    fates.filter(([name]) => name !== 'Host').map(([, fate]) => fate),
    SPOOFED.map(() => Fate.Drop),
  );
});

test('a trusted proxy: X-Forwarded-For and Forwarded are appended to, its proto and host believed, X-Real-IP is its client', () => {
  const head = h1([
    'GET / HTTP/1.1',
    'Host: internal.test',
    'X-Forwarded-For: 203.0.113.7, 10.1.1.1',
    'X-Forwarded-For: 10.2.2.2',
    'X-Forwarded-Proto: https',
    'X-Forwarded-Host: public.test',
    'X-Real-IP: 6.6.6.6',
    'Forwarded: for=203.0.113.7;proto=https',
  ]);
  const { values, fates } = decide(head, peer('10.0.0.2'));
  assert.equal(values.xForwardedFor, '203.0.113.7, 10.1.1.1, 10.2.2.2, 10.0.0.2', 'every line, in order, then the peer');
  assert.equal(values.xForwardedProto, 'https');
  assert.equal(values.xForwardedHost, 'public.test');
  assert.equal(values.xRealIp, '203.0.113.7', 'the right-most hop that is not a trusted proxy; never the client’s X-Real-IP');
  assert.equal(values.forwarded, 'for=203.0.113.7;proto=https, for=10.0.0.2;proto=http;host="internal.test"');
  assert.ok(
    fates.every(([name, fate]) => name === 'Host' || fate === Fate.Drop),
    'the incoming copies are never relayed as such',
  );
});

test('the client address behind a trusted proxy reads every X-Forwarded-For line as one list', () => {
  const proxy = peer('10.0.0.2');
  // the client spoofed a first line; its proxy added the real address on a line of its own
  const twoLines = h1(['GET / HTTP/1.1', 'Host: a', 'X-Forwarded-For: 6.6.6.6', 'X-Forwarded-For: 203.0.113.7, 10.9.9.9']);
  assert.equal(clientAddress(twoLines, proxy, PROXIES), '203.0.113.7');
  const allTrusted = h1(['GET / HTTP/1.1', 'Host: a', 'X-Forwarded-For: 10.1.1.1', 'X-Forwarded-For: , 10.2.2.2']);
  assert.equal(clientAddress(allTrusted, proxy, PROXIES), '10.1.1.1', 'all trusted: the left-most');
  assert.equal(clientAddress(h1(['GET / HTTP/1.1', 'Host: a', 'X-Forwarded-For: ']), proxy, PROXIES), '10.0.0.2', 'empty: the peer');
  assert.equal(clientAddress(twoLines, peer('192.0.2.9'), PROXIES), '192.0.2.9', 'an untrusted peer is the client, whatever it says');
});

test('a trusted proxy that sent no forwarding fields gets the connection’s', () => {
  const { values } = decide(h1(['GET / HTTP/1.1', 'Host: a.test']), peer('10.0.0.2', { proto: 'https' }));
  assert.equal(values.xForwardedFor, '10.0.0.2');
  assert.equal(values.xForwardedProto, 'https');
  assert.equal(values.xForwardedHost, 'a.test');
  assert.equal(values.xRealIp, '10.0.0.2');
  assert.equal(values.forwarded, 'for=10.0.0.2;proto=https;host="a.test"');
});

test('without an authority there is no X-Forwarded-Host and no host= in Forwarded, even from a trusted proxy', () => {
  const { values } = decide(h1(['GET / HTTP/1.0', 'X-Forwarded-Host: public.test']), peer('10.0.0.2'));
  assert.equal(values.xForwardedHost, '');
  assert.equal(values.forwarded, 'for=10.0.0.2;proto=http');
});

test('Forwarded brackets and quotes an IPv6 node; X-Forwarded-For and X-Real-IP carry it bare', () => {
  const { values } = decide(h1(['GET / HTTP/1.1', 'Host: a.test']), peer('2001:db8::1'));
  assert.equal(values.forwarded, 'for="[2001:db8::1]";proto=http;host="a.test"');
  assert.equal(values.xForwardedFor, '2001:db8::1');
  assert.equal(values.xRealIp, '2001:db8::1');
});

test('Via: the protocol Fulcrum received, after the Via lines the client sent', () => {
  assert.equal(decide(h1(['GET / HTTP/1.1', 'Host: a']), peer('192.0.2.1')).values.via, '1.1 fulcrum');
  assert.equal(decide(h1(['GET / HTTP/1.0', 'Host: a']), peer('192.0.2.1')).values.via, '1.0 fulcrum');
  const h2 = requestHeadFromH2([':method', 'GET', ':scheme', 'http', ':path', '/', ':authority', 'a', 'via', '1.1 edge'], limits, 65536);
  assert.equal(decide(h2, peer('192.0.2.1')).values.via, '1.1 edge, 2 fulcrum');
  const chained = h1(['GET / HTTP/1.1', 'Host: a', 'Via: 1.0 edge', 'Via: 1.1 cdn']);
  assert.equal(decide(chained, peer('192.0.2.1')).values.via, '1.0 edge, 1.1 cdn, 1.1 fulcrum', 'from an untrusted client too');
});

test('X-Request-ID: the first valid one is kept, else one is generated per request; the head remembers it', () => {
  const kept = h1(['GET / HTTP/1.1', 'Host: a', 'X-Request-ID: <bad>', 'X-Request-ID: abc-123.def', 'X-Request-ID: second']);
  assert.equal(decide(kept, peer('192.0.2.1')).values.requestId, 'abc-123.def');
  assert.equal(kept.requestId, 'abc-123.def');

  const absent = h1(['GET / HTTP/1.1', 'Host: a']);
  const first = decide(absent, peer('192.0.2.1')).values.requestId;
  assert.match(first, UUID);
  assert.equal(absent.requestId, first);
  assert.notEqual(decide(h1(['GET / HTTP/1.1', 'Host: a']), peer('192.0.2.1')).values.requestId, first);

  const tooLong = h1(['GET / HTTP/1.1', 'Host: a', `X-Request-ID: ${'a'.repeat(201)}`]);
  assert.match(decide(tooLong, peer('192.0.2.1')).values.requestId, UUID);
});

test('hop-by-hop fields and the fields named in Connection are dropped; Host, Content-Length and TE: trailers are the serialiser’s', () => {
  const head = h1([
    'POST / HTTP/1.1',
    'Host: a.test',
    'Connection: keep-alive, X-Secret',
    'Keep-Alive: timeout=5',
    'Proxy-Connection: keep-alive',
    'Upgrade: h2c',
    'HTTP2-Settings: AAMAAABkAAQAAP__',
    'TE: trailers',
    'X-Secret: s',
    'X-Client-Cert-Subject: CN=forged',
    'X-Client-Cert-Fingerprint: AA:BB',
    'Content-Length: 3',
    'Accept: */*',
    'X-Normal: n',
  ]);
  assert.deepEqual(decide(head, peer('192.0.2.1')).fates, [
    ['Host', Fate.Host],
    ['Connection', Fate.Drop],
    ['Keep-Alive', Fate.Drop],
    ['Proxy-Connection', Fate.Drop],
    ['Upgrade', Fate.Drop],
    ['HTTP2-Settings', Fate.Drop],
    ['TE', Fate.TeTrailers],
    ['X-Secret', Fate.Drop],
    ['X-Client-Cert-Subject', Fate.Drop],
    ['X-Client-Cert-Fingerprint', Fate.Drop],
    ['Content-Length', Fate.ContentLength],
    ['Accept', Fate.Relay],
    ['X-Normal', Fate.Relay],
  ]);
  const chunked = h1(['POST / HTTP/1.1', 'Host: a', 'Transfer-Encoding: chunked', 'TE: gzip']);
  assert.deepEqual(
    decide(chunked, peer('192.0.2.1')).fates.slice(1),
    [
      ['Transfer-Encoding', Fate.Drop],
      ['TE', Fate.Drop],
    ],
    'TE other than trailers is dropped everywhere',
  );
});

test('one decision object serves request after request: nothing of the previous one leaks', () => {
  const decision = new ForwardingDecision();
  const proxied = h1(['GET / HTTP/1.1', 'Host: a', 'X-Forwarded-For: 203.0.113.7', 'X-Forwarded-Proto: https', 'Via: 1.1 edge', 'X-Request-ID: one']);
  const proxy = peer('10.0.0.2');
  decision.begin(proxy);
  for (let i = 0; i < proxied.fields.length; i++) decision.field(proxied.fields.lower[i]!, proxied.fields.values[i]!, null);
  decision.finish(proxied, proxy, '203.0.113.7');
  assert.equal(decision.xForwardedFor, '203.0.113.7, 10.0.0.2');

  const plain = h1(['GET / HTTP/1.1', 'Host: b']);
  const client = peer('192.0.2.1');
  decision.begin(client);
  decision.field('host', 'b', null);
  decision.finish(plain, client, '192.0.2.1');
  assert.equal(decision.xForwardedFor, '192.0.2.1');
  assert.equal(decision.xForwardedProto, 'http');
  assert.equal(decision.via, '1.1 fulcrum');
  assert.match(decision.requestId, UUID);
});
