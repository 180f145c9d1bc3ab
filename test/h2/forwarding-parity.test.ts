// One request, every path Fulcrum forwards it on: over HTTP/1.1 and over HTTP/2 (h2c with prior
// knowledge) from the client, to an HTTP/1.1 backend and to a `protocol: h2` one. The backend must
// see the same forwarding fields whichever way the request came, from an untrusted client with
// spoofed fields and from a trusted proxy.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import type { Fulcrum } from '../../src/fulcrum.js';
import { startHttpBackend, type HttpBackend } from '../helpers/http-backend.js';
import { rawRequest } from '../helpers/raw-client.js';
import { portOf, startFulcrum, yaml } from '../helpers/fulcrum.js';

const FIELDS = ['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-real-ip', 'forwarded', 'x-request-id', 'via', 'host', 'x-spoof-me', 'x-kept'];

/** What a backend received, lower-case names, every value (node:http2 and node:http hand them over alike). */
type Seen = Record<string, string[]>;

function fromRaw(raw: readonly string[]): Seen {
  const seen: Seen = {};
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (name.startsWith(':')) continue;
    (seen[name] ??= []).push(raw[i + 1]!);
  }
  return seen;
}

let h1Backend: HttpBackend;
let h2Backend: http2.Http2Server;
const h2Seen: Seen[] = [];
const h2Sessions = new Set<http2.ServerHttp2Session>();
let fulcrum: Fulcrum;
let clientPort: number;
let proxyPort: number;
const sessions: http2.ClientHttp2Session[] = [];

before(async () => {
  h1Backend = await startHttpBackend();
  h2Backend = http2.createServer();
  h2Backend.on('session', (s: http2.ServerHttp2Session) => h2Sessions.add(s));
  h2Backend.on('stream', (stream: http2.ServerHttp2Stream, _headers: http2.IncomingHttpHeaders, _flags: number, raw: string[]) => {
    h2Seen.push(fromRaw(raw));
    stream.respond({ ':status': 200 });
    stream.end('ok');
  });
  await new Promise<void>((resolve) => h2Backend.listen(0, '127.0.0.1', resolve));
  const h2Port = (h2Backend.address() as { port: number }).port;
  fulcrum = await startFulcrum(yaml`
    listeners:
      - name: web
        address: 127.0.0.1:0
        http2: { enabled: true }
        routes:
          - { match: { pathPrefix: /to-h2/ }, service: h2 }
          - service: h1
      - name: behind-proxy
        address: 127.0.0.1:0
        http2: { enabled: true }
        trustedProxies: [ 127.0.0.1/32 ]
        routes:
          - { match: { pathPrefix: /to-h2/ }, service: h2 }
          - service: h1
    services:
      h1: { backends: [ { address: ${h1Backend.address} } ] }
      h2: { protocol: h2, backends: [ { address: 127.0.0.1:${h2Port} } ] }
    log: { level: silent }
  `);
  clientPort = portOf(fulcrum, 'web');
  proxyPort = portOf(fulcrum, 'behind-proxy');
});

after(async () => {
  for (const session of sessions) session.close();
  await fulcrum?.close();
  await h1Backend?.close();
  for (const session of h2Sessions) session.destroy();
  await new Promise<void>((resolve) => (h2Backend ? h2Backend.close(() => resolve()) : resolve()));
});

/** The request's fields, as lines in order (a field may repeat). */
type Lines = Array<[string, string]>;

/** Sends the request over HTTP/1.1 with exactly these field lines; answers what the backend saw. */
async function overH1(port: number, path: string, lines: Lines): Promise<Seen> {
  const before = h1Backend.requests.length + h2Seen.length;
  const head = `GET ${path} HTTP/1.1\r\nHost: app.test:8080\r\n` + lines.map(([n, v]) => `${n}: ${v}\r\n`).join('') + '\r\n';
  const response = await rawRequest(port, head, { closeWaitMs: 0 });
  assert.equal(response.status, 200);
  return received(before, path);
}

/** Sends the same request as an HTTP/2 stream (h2c, prior knowledge, node:http2's client). */
async function overH2(port: number, path: string, lines: Lines): Promise<Seen> {
  const before = h1Backend.requests.length + h2Seen.length;
  const session = http2.connect(`http://127.0.0.1:${port}`);
  sessions.push(session);
  session.on('error', () => {});
  const headers: Record<string, string | string[]> = { ':method': 'GET', ':scheme': 'http', ':path': path, ':authority': 'app.test:8080' };
  // an array is sent as separate fields, as the HTTP/1.1 head has them
  for (const [n, v] of lines) {
    const name = n.toLowerCase();
    const previous = headers[name];
    headers[name] = previous === undefined ? v : [...(Array.isArray(previous) ? previous : [previous]), v];
  }
  const status = await new Promise<number>((resolve, reject) => {
    const stream = session.request(headers, { endStream: true });
    stream.on('response', (h) => resolve(Number(h[':status'])));
    stream.on('error', reject);
    stream.resume();
  });
  assert.equal(status, 200);
  return received(before, path);
}

function received(before: number, path: string): Seen {
  assert.equal(h1Backend.requests.length + h2Seen.length, before + 1, 'one request reached one backend');
  if (path.startsWith('/to-h2/')) return h2Seen.at(-1)!;
  return fromRaw(h1Backend.requests.at(-1)!.rawHeaders);
}

function forwardingFields(seen: Seen): Seen {
  const out: Seen = {};
  for (const name of FIELDS) if (seen[name] !== undefined) out[name] = seen[name]!;
  return out;
}

/** The four paths; HTTP/1.1 clients reach `protocol: h2` services only once the exchange speaks HTTP/2 upstream. */
async function everyPath(port: number, lines: Lines): Promise<Record<string, Seen>> {
  return {
    'h1 → h1': forwardingFields(await overH1(port, '/to-h1/x', lines)),
    'h2 → h1': forwardingFields(await overH2(port, '/to-h1/x', lines)),
    'h2 → h2': forwardingFields(await overH2(port, '/to-h2/x', lines)),
  };
}

const SPOOFED: Lines = [
  ['X-Forwarded-For', '1.2.3.4'],
  ['X-Forwarded-For', '5.6.7.8'],
  ['X-Forwarded-Proto', 'https'],
  ['X-Forwarded-Host', 'evil.test'],
  ['X-Real-IP', '1.2.3.4'],
  ['Forwarded', 'for=1.2.3.4;proto=https'],
  ['Via', '1.1 edge'],
  ['X-Request-ID', 'req-42'],
  ['X-Kept', 'yes'],
];

test('an untrusted client’s forwarding fields are replaced alike on every path', async () => {
  const seen = await everyPath(clientPort, SPOOFED);
  const expected = (via: string): Seen => ({
    'x-forwarded-for': ['127.0.0.1'],
    'x-forwarded-proto': ['http'],
    'x-forwarded-host': ['app.test:8080'],
    'x-real-ip': ['127.0.0.1'],
    forwarded: ['for=127.0.0.1;proto=http;host="app.test:8080"'],
    'x-request-id': ['req-42'],
    via: [`1.1 edge, ${via} fulcrum`],
    'x-kept': ['yes'],
  });
  assert.deepEqual(seen['h1 → h1'], { ...expected('1.1'), host: ['app.test:8080'] });
  assert.deepEqual(seen['h2 → h1'], { ...expected('2'), host: ['app.test:8080'] });
  // an HTTP/2 backend has :authority, no Host
  assert.deepEqual(seen['h2 → h2'], expected('2'));
});

test('a trusted proxy’s forwarding fields are kept and appended to alike on every path', async () => {
  const seen = await everyPath(proxyPort, SPOOFED);
  const expected = (via: string): Seen => ({
    'x-forwarded-for': ['1.2.3.4, 5.6.7.8, 127.0.0.1'],
    'x-forwarded-proto': ['https'],
    'x-forwarded-host': ['evil.test'],
    'x-real-ip': ['5.6.7.8'],
    forwarded: ['for=1.2.3.4;proto=https, for=127.0.0.1;proto=http;host="app.test:8080"'],
    'x-request-id': ['req-42'],
    via: [`1.1 edge, ${via} fulcrum`],
    'x-kept': ['yes'],
  });
  assert.deepEqual(seen['h1 → h1'], { ...expected('1.1'), host: ['app.test:8080'] });
  assert.deepEqual(seen['h2 → h1'], { ...expected('2'), host: ['app.test:8080'] });
  assert.deepEqual(seen['h2 → h2'], expected('2'));
});

test('a request without an id gets a generated one on every path, different each time', async () => {
  const seen = await everyPath(clientPort, [['X-Kept', 'yes']]);
  const ids = Object.values(seen).map((s) => s['x-request-id']?.[0]);
  for (const id of ids) assert.match(id ?? '', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  assert.equal(new Set(ids).size, ids.length);
});
