// The HTTP examples doing their jobs, each run from its file under examples/ (only addresses and
// paths rewritten, see example-config.ts) with real backends and real clients.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import type net from 'node:net';
import { gunzipSync } from 'node:zlib';
import { WebSocket, WebSocketServer } from 'ws';
import { ask, startNamedBackend, tally, type NamedBackend } from '../helpers/named-backends.js';
import { request } from '../helpers/http-get.js';
import { run } from '../helpers/l4.js';
import { EXAMPLES_DIR, runExample } from './example-config.js';

const CA = join(EXAMPLES_DIR, 'certs/ca.pem');

/** Named backends standing in for the example's addresses: example address → backend. */
async function standIns(names: Record<string, string>): Promise<{ by: Map<string, NamedBackend>; map: Record<string, string>; close(): Promise<void> }> {
  const by = new Map<string, NamedBackend>();
  const map: Record<string, string> = {};
  for (const [address, name] of Object.entries(names)) {
    const backend = await startNamedBackend(name);
    by.set(address, backend);
    map[address] = backend.address;
  }
  return { by, map, close: async () => void (await Promise.all([...by.values()].map((b) => b.close()))) };
}

test('tls-termination.yaml: SNI picks the certificate, routes by host, plain HTTP gets a 301 to https', async () => {
  const backends = await standIns({ '127.0.0.1:3000': 'www', '127.0.0.1:3001': 'api' });
  const example = await runExample('tls-termination.yaml', { backends: backends.map });
  try {
    const https = example.port('secure');
    const plain = example.port('plain');
    const subject = async (servername?: string): Promise<string> => {
      const args = ['s_client', '-connect', `127.0.0.1:${https}`, '-CAfile', CA, ...(servername ? ['-servername', servername] : ['-noservername'])];
      const out = await run('openssl', args, { input: '', timeoutMs: 10_000 });
      assert.match(out.stdout, /Verify return code: 0 \(ok\)/, `the example CA verifies the chain for ${servername}:\n${out.stdout}`);
      return /subject=(.*)/.exec(out.stdout)?.[1] ?? '';
    };
    assert.match(await subject('api.example.test'), /CN ?= ?api\.example\.test/);
    assert.match(await subject('www.example.test'), /CN ?= ?www\.example\.test/);
    assert.match(await subject(), /CN ?= ?www\.example\.test/, 'no SNI: the first certificate, the default');

    const curl = (host: string, url: string, extra: string[] = []) =>
      run('curl', ['-sS', '-i', '--http1.1', '--max-time', '5', '--cacert', CA, '--resolve', `${host}:${https}:127.0.0.1`, '--resolve', `${host}:${plain}:127.0.0.1`, ...extra, url]);
    const api = await curl('api.example.test', `https://api.example.test:${https}/v1/x`);
    assert.equal(api.code, 0, api.stderr);
    assert.match(api.stdout, /^HTTP\/1\.1 200/);
    assert.match(api.stdout, /\r\n\r\napi$/, 'api.example.test routed to the api service');
    assert.match(api.stdout, /strict-transport-security: max-age=31536000/i);
    const www = await curl('www.example.test', `https://www.example.test:${https}/`);
    assert.match(www.stdout, /\r\n\r\nwww$/, 'every other host: the www service');

    const redirect = await curl('www.example.test', `http://www.example.test:${plain}/shop/cart?id=7`);
    assert.match(redirect.stdout, /^HTTP\/1\.1 301/);
    assert.match(redirect.stdout, new RegExp(`\\r\\nlocation: https://www\\.example\\.test:${https}/shop/cart\\?id=7\\r\\n`, 'i'));
    const followed = await curl('www.example.test', `http://www.example.test:${plain}/shop/cart?id=7`, ['-L']);
    assert.match(followed.stdout, /\r\n\r\nwww$/, 'following the redirect lands on the https listener');
    assert.equal(backends.by.get('127.0.0.1:3000')!.http.requests.at(-1)!.url, '/shop/cart?id=7');
  } finally {
    await example.close();
    await backends.close();
  }
});

test('canary.yaml: 5% of requests to the canary by weight; X-Canary: always reaches it every time', async () => {
  const backends = await standIns({ '127.0.0.1:8001': 'stable-1', '127.0.0.1:8002': 'stable-2', '127.0.0.1:8003': 'canary' });
  const example = await runExample('canary.yaml', { backends: backends.map });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  try {
    const port = example.port('web');
    const names: string[] = [];
    const N = 1000;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (names.length < N) names.push((await ask(port, '/', { agent })).name);
      }),
    );
    const counts = tally(names);
    const share = (counts.get('canary') ?? 0) / names.length;
    console.log(`# canary split over ${names.length} requests: ${JSON.stringify(Object.fromEntries(counts))}`);
    assert.ok(share > 0.03 && share < 0.07, `canary share ${share} (weight 50 of 1000)`);
    for (const stable of ['stable-1', 'stable-2']) {
      const s = (counts.get(stable) ?? 0) / names.length;
      assert.ok(s > 0.43 && s < 0.52, `${stable} share ${s}`);
    }
    for (let i = 0; i < 10; i++) assert.equal((await ask(port, '/', { agent, headers: { 'X-Canary': 'always' } })).name, 'canary');
  } finally {
    agent.destroy();
    await example.close();
    await backends.close();
  }
});

test('sticky-sessions.yaml: the cookie keeps each client on its backend; a dead backend re-issues it', async () => {
  const backends = await standIns({ '127.0.0.1:8001': 'one', '127.0.0.1:8002': 'two', '127.0.0.1:8003': 'three' });
  const example = await runExample('sticky-sessions.yaml', { backends: backends.map });
  try {
    const port = example.port('web');
    // new clients (no cookie) until two backends have been handed out
    const clients = new Map<string, string>(); // backend → cookie
    for (let i = 0; i < 30 && clients.size < 2; i++) {
      const first = await ask(port, '/login');
      const cookie = (first.headers['set-cookie'] as string[] | undefined)?.[0];
      assert.ok(cookie !== undefined, 'the first answer sets the cookie');
      assert.match(cookie, /^FULCRUM_SRV=[\w-]+; Path=\/; Max-Age=28800; HttpOnly; SameSite=Lax$/);
      clients.set(first.name, cookie.split(';')[0]!);
    }
    assert.ok(clients.size >= 2, 'new clients are spread over the backends');
    for (const [backend, cookie] of clients) {
      for (let i = 0; i < 15; i++) {
        const again = await ask(port, `/cart/${i}`, { headers: { Cookie: cookie } });
        assert.equal(again.name, backend, `a client with ${cookie} stays on ${backend}`);
        assert.equal(again.headers['set-cookie'], undefined, 'no new cookie while it stays');
      }
    }
    // the pinned backend dies: the client is served elsewhere and told its new backend
    const [gone, cookie] = [...clients][0]!;
    const address = [...backends.by].find(([, b]) => b.name === gone)![0];
    await backends.by.get(address)!.close();
    const moved = await ask(port, '/cart', { headers: { Cookie: cookie } });
    assert.equal(moved.status, 200);
    assert.notEqual(moved.name, gone);
    const reissued = (moved.headers['set-cookie'] as string[] | undefined)?.[0]?.split(';')[0];
    assert.ok(reissued !== undefined && reissued !== cookie, 'a new cookie names the backend that answered');
    assert.equal((await ask(port, '/cart', { headers: { Cookie: reissued } })).name, moved.name);
  } finally {
    await example.close();
    await backends.close();
  }
});

test('rate-limited-api.yaml: 429 with Retry-After past the burst, per client; API keys have their own budget', async () => {
  const backends = await standIns({ '127.0.0.1:9001': 'api-1', '127.0.0.1:9002': 'api-2' });
  const example = await runExample('rate-limited-api.yaml', { backends: backends.map });
  try {
    const port = example.port('api');
    const burst = 20;
    const served = () => [...backends.by.values()].reduce((n, b) => n + b.served, 0);
    // 40 requests at once from one client (X-Forwarded-For from a trusted proxy names it)
    const client = { 'X-Forwarded-For': '203.0.113.7' };
    const started = performance.now();
    const answers = await Promise.all(Array.from({ length: 40 }, () => request(port, '/api/items', client)));
    const refilled = Math.ceil(((performance.now() - started) / 1000) * 10); // 10/s come back while they run
    const ok = answers.filter((a) => a.status === 200);
    const limited = answers.filter((a) => a.status === 429);
    assert.equal(ok.length + limited.length, 40, `only 200 and 429: ${answers.map((a) => a.status).join(' ')}`);
    assert.ok(ok.length >= burst && ok.length <= burst + refilled + 1, `the burst passes, then 10/s (${ok.length} in ${refilled / 10} s)`);
    assert.ok(limited.length >= 40 - burst - refilled - 1 && limited.length > 0, `past the burst: 429 (${limited.length})`);
    assert.equal(served(), ok.length, 'refused requests never reached a backend');
    const refusal = limited[0]!;
    assert.ok(Number(refusal.headers['retry-after']) >= 1, `Retry-After: ${refusal.headers['retry-after']}`);
    assert.equal(refusal.headers['ratelimit-limit'], String(burst));
    assert.equal(refusal.headers['ratelimit-remaining'], '0');
    assert.equal(ok[0]!.headers['ratelimit-limit'], String(burst), 'answers let through carry the fields too');

    assert.equal((await request(port, '/api/items', { 'X-Forwarded-For': '198.51.100.9' })).status, 200, 'another client has a bucket of its own');
    const keyed = await Promise.all(Array.from({ length: 40 }, () => request(port, '/api/items', { ...client, 'X-Api-Key': 'k-123' })));
    assert.deepEqual(new Set(keyed.map((a) => a.status)), new Set([200]), 'with an API key: the larger per-key budget');
    assert.equal((await request(port, '/other', client)).status, 404, 'only /api/ is routed');
  } finally {
    await example.close();
    await backends.close();
  }
});

test('static-site-api.yaml: files from examples/site with 304 and gzip; /api/ proxied without its prefix', async () => {
  const backends = await standIns({ '127.0.0.1:9001': 'api-1', '127.0.0.1:9002': 'api-2' });
  const example = await runExample('static-site-api.yaml', { backends: backends.map });
  try {
    const port = example.port('web');
    const index = await request(port, '/');
    assert.equal(index.status, 200);
    assert.equal(index.body.toString(), readFileSync(join(EXAMPLES_DIR, 'site/index.html'), 'utf8'));
    assert.equal(index.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(index.headers['cache-control'], 'public, max-age=600');
    assert.equal(index.headers.vary, 'Accept-Encoding');
    const gzipped = await request(port, '/', { 'Accept-Encoding': 'gzip' });
    assert.equal(gzipped.headers['content-encoding'], 'gzip', 'the compress middleware of the route');
    assert.equal(gunzipSync(gzipped.body).toString(), index.body.toString());
    const again = await request(port, '/', { 'If-None-Match': String(index.headers.etag) });
    assert.equal(again.status, 304, 'a revalidation answers 304');
    const css = await request(port, '/style.css');
    assert.equal(css.status, 200);
    assert.match(String(css.headers['content-type']), /^text\/css/);
    assert.equal((await request(port, '/../site/index.html')).status, 400, 'no way out of the root');
    assert.equal((await request(port, '/missing.html')).status, 404);

    const names = new Set<string>();
    for (let i = 0; i < 4; i++) {
      const api = await request(port, `/api/items?page=${i}`);
      assert.equal(api.status, 200);
      names.add(api.body.toString());
    }
    assert.deepEqual([...names].sort(), ['api-1', 'api-2'], 'both API backends take turns');
    const seen = [...backends.by.values()].flatMap((b) => b.http.requests.map((r) => r.url)).sort();
    assert.deepEqual(seen, ['/items?page=0', '/items?page=1', '/items?page=2', '/items?page=3'], 'the backends see the path without /api, and never the static requests');
  } finally {
    await example.close();
    await backends.close();
  }
});

interface WsStandIn {
  port: number;
  open: number;
  close(): Promise<void>;
}

/** A WebSocket echo server that prefixes its name. */
async function wsEcho(name: string): Promise<WsStandIn> {
  const server = http.createServer((_req, res) => res.end(name));
  const wss = new WebSocketServer({ server });
  const standIn: WsStandIn = {
    port: 0,
    open: 0,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  wss.on('connection', (ws) => {
    standIn.open++;
    ws.on('close', () => standIn.open--);
    ws.on('message', (data) => ws.send(`${name}: ${data.toString()}`));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  standIn.port = (server.address() as net.AddressInfo).port;
  return standIn;
}

test('websocket.yaml: echo through the tunnel, open sockets spread by least-connections, plain HTTP beside it', async () => {
  const chat = [await wsEcho('chat-1'), await wsEcho('chat-2')];
  const app = await startNamedBackend('app');
  const example = await runExample('websocket.yaml', {
    backends: { '127.0.0.1:3001': `127.0.0.1:${chat[0]!.port}`, '127.0.0.1:3002': `127.0.0.1:${chat[1]!.port}`, '127.0.0.1:3000': app.address },
  });
  const sockets: WebSocket[] = [];
  try {
    const port = example.port('web');
    const next = (ws: WebSocket): Promise<string> => new Promise((resolve) => ws.once('message', (data) => resolve(data.toString())));
    const who = new Set<string>();
    for (let i = 0; i < 4; i++) {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/ws/chat`);
      sockets.push(ws);
      await once(ws, 'open');
      const reply = next(ws);
      ws.send(`hello ${i}`);
      const text = await reply;
      assert.match(text, new RegExp(`^chat-[12]: hello ${i}$`));
      who.add(text.split(':')[0]!);
    }
    assert.deepEqual([...who].sort(), ['chat-1', 'chat-2']);
    assert.deepEqual(
      chat.map((c) => c.open),
      [2, 2],
      'four open WebSockets: two on each server (least-connections counts tunnels)',
    );
    const big = 'x'.repeat(256 * 1024);
    const reply = next(sockets[0]!);
    sockets[0]!.send(big);
    assert.equal((await reply).length, big.length + 'chat-1: '.length);
    assert.equal((await ask(port, '/index.html')).name, 'app', 'ordinary requests on the same port go to the app');
  } finally {
    for (const ws of sockets) ws.terminate();
    await example.close();
    await Promise.all([...chat.map((c) => c.close()), app.close()]);
  }
});
