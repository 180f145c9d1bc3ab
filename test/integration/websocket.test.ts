// WebSocket through Fulcrum with the `ws` package on both ends: the Upgrade is relayed, a 101
// turns the connection into a raw tunnel (echo, large messages, close codes, idle timeout,
// least-connections counting), and anything else keeps the connection plain HTTP.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type net from 'node:net';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { WebSocket, WebSocketServer } from 'ws';
import type { Fulcrum } from '../../src/fulcrum.js';
import { RawClient } from '../helpers/raw-client.js';
import { portOf, startFulcrum, yaml } from '../helpers/fulcrum.js';

interface WsBackend {
  name: string;
  port: number;
  server: http.Server;
  wss: WebSocketServer;
  /** heads of the upgrade requests and plain requests it got */
  upgrades: http.IncomingHttpHeaders[];
  plain: Array<{ url: string; headers: http.IncomingHttpHeaders }>;
  close(): Promise<void>;
}

/** An http server whose /reject upgrades get a 403 and whose other upgrades become echo WebSockets. */
async function startWsBackend(name: string): Promise<WsBackend> {
  const upgrades: http.IncomingHttpHeaders[] = [];
  const plain: WsBackend['plain'] = [];
  const server = http.createServer((req, res) => {
    plain.push({ url: req.url!, headers: req.headers });
    req.resume();
    req.on('end', () => res.end(`${name} ${req.url}`));
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 * 1024 });
  server.on('upgrade', (req, socket: net.Socket, head) => {
    upgrades.push(req.headers);
    if (req.url === '/reject') {
      socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 9\r\nContent-Type: text/plain\r\n\r\nforbidden');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('message', (data, isBinary) => {
        const text = isBinary ? '' : data.toString();
        if (text.startsWith('close:')) ws.close(Number(text.slice(6)), 'server says bye');
        else if (text === 'who') ws.send(name);
        else ws.send(data, { binary: isBinary });
      });
      ws.on('close', (code, reason) => ws.emit('closed-with', code, reason.toString()));
      wss.emit('connection', ws, req);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  return {
    name,
    port,
    server,
    wss,
    upgrades,
    plain,
    async close() {
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function connect(url: string): Promise<WebSocket> {
  const ws = new WebSocket(url, { maxPayload: 64 * 1024 * 1024 });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

function nextMessage(ws: WebSocket): Promise<{ data: Buffer; isBinary: boolean }> {
  return new Promise((resolve) => ws.once('message', (data: Buffer, isBinary: boolean) => resolve({ data, isBinary })));
}

function closed(ws: WebSocket): Promise<{ code: number; reason: string }> {
  if (ws.readyState === WebSocket.CLOSED) return Promise.resolve({ code: -1, reason: '' });
  return new Promise((resolve) => ws.once('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString() })));
}

const sha = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

/** Waits (by polling a cheap condition, bounded) for counters that move on socket events. */
async function until(condition: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('websocket', () => {
  let a: WsBackend;
  let b: WsBackend;
  let fulcrum: Fulcrum;
  let url: string;

  before(async () => {
    a = await startWsBackend('a');
    b = await startWsBackend('b');
    fulcrum = await startFulcrum(yaml`
      listeners:
        - name: web
          address: 127.0.0.1:0
          routes:
            - { match: { pathPrefix: /idle }, service: idle }
            - service: ws
      services:
        ws:
          algorithm: least-connections
          backends: [ { address: 127.0.0.1:${a.port} }, { address: 127.0.0.1:${b.port} } ]
        idle:
          backends: [ { address: 127.0.0.1:${a.port} } ]
          timeouts: { tunnelIdle: 300ms }
      log: { level: silent }
    `);
    url = `ws://127.0.0.1:${portOf(fulcrum)}`;
  });

  after(async () => {
    await fulcrum.close();
    await a.close();
    await b.close();
  });

  test('echo of text and binary messages; the backend sees the handshake and forwarding fields', async () => {
    const ws = await connect(`${url}/chat`);
    ws.send('hello');
    assert.deepEqual(await nextMessage(ws).then((m) => [m.data.toString(), m.isBinary]), ['hello', false]);
    const bytes = randomBytes(1000);
    ws.send(bytes);
    const echoed = await nextMessage(ws);
    assert.equal(echoed.isBinary, true);
    assert.ok(echoed.data.equals(bytes));
    const head = [...a.upgrades, ...b.upgrades].at(-1)!;
    assert.equal(head.upgrade, 'websocket');
    assert.match(String(head.connection), /upgrade/i);
    assert.ok(head['sec-websocket-key']);
    assert.equal(head['x-forwarded-for'], '127.0.0.1');
    ws.close(1000);
    assert.equal((await closed(ws)).code, 1000);
  });

  test('large messages both ways, 8 MB each, arrive intact', async () => {
    const ws = await connect(`${url}/big`);
    const payload = randomBytes(8 * 1024 * 1024);
    const got = nextMessage(ws);
    ws.send(payload);
    const echoed = await got;
    assert.equal(echoed.data.length, payload.length);
    assert.equal(sha(echoed.data), sha(payload));
    ws.close();
    await closed(ws);
  });

  test('close codes and reasons reach the other side, both directions', async () => {
    // client-initiated: the backend sees 4001 "client says bye"
    const seen = new Promise<[number, string]>((resolve) => {
      const onConnection = (server: WebSocket): void => {
        a.wss.off('connection', onConnection);
        b.wss.off('connection', onConnection);
        server.once('closed-with' as 'close', (code: number, reason: string) => resolve([code, reason]));
      };
      a.wss.on('connection', onConnection);
      b.wss.on('connection', onConnection);
    });
    const ws = await connect(`${url}/close-by-client`);
    const clientClosed = closed(ws);
    ws.close(4001, 'client says bye');
    assert.deepEqual(await seen, [4001, 'client says bye']);
    assert.equal((await clientClosed).code, 4001);
    // server-initiated: the client sees 4002 "server says bye"
    const ws2 = await connect(`${url}/close-by-server`);
    const done = closed(ws2);
    ws2.send('close:4002');
    assert.deepEqual(await done, { code: 4002, reason: 'server says bye' });
  });

  test('an idle tunnel is closed after timeouts.tunnelIdle', async () => {
    const ws = await connect(`${url}/idle`);
    ws.send('ping');
    await nextMessage(ws);
    const started = Date.now();
    const { code } = await closed(ws);
    const elapsed = Date.now() - started;
    assert.equal(code, 1006, 'closed by the proxy, without a close frame');
    assert.ok(elapsed >= 250 && elapsed < 2000, `closed after ${elapsed} ms`);
  });

  test('a non-101 answer keeps the connection plain HTTP: the next request on it is served', async () => {
    const client = await RawClient.connect(portOf(fulcrum));
    await client.write(
      'GET /reject HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' + 'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    );
    const refused = await client.response();
    assert.equal(refused.status, 403);
    assert.equal(refused.body.toString(), 'forbidden');
    await client.write('GET /after HTTP/1.1\r\nHost: x\r\n\r\n');
    const next = await client.response();
    assert.equal(next.status, 200);
    assert.match(next.body.toString(), /^[ab] \/after$/);
    client.socket.destroy();
  });

  test('Upgrade: h2c is refused: never relayed, the request is served as HTTP/1.1', async () => {
    const client = await RawClient.connect(portOf(fulcrum));
    await client.write('GET /h2c HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n');
    const response = await client.response();
    assert.equal(response.status, 200);
    const seen = [...a.plain, ...b.plain].find((r) => r.url === '/h2c')!;
    assert.equal(seen.headers.upgrade, undefined);
    assert.equal(seen.headers['http2-settings'], undefined);
    assert.doesNotMatch(String(seen.headers.connection ?? ''), /upgrade/i);
    await client.write('GET /h2c-after HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.equal((await client.response()).status, 200);
    client.socket.destroy();
  });

  test('bytes sent right after the upgrade request (an early first frame) are relayed', async () => {
    const client = await RawClient.connect(portOf(fulcrum));
    const mask = Buffer.from([1, 2, 3, 4]);
    const text = Buffer.from('early');
    const masked = Buffer.from(text.map((byte, i) => byte ^ mask[i % 4]!));
    const frame = Buffer.concat([Buffer.from([0x81, 0x80 | text.length]), mask, masked]);
    await client.write(
      Buffer.concat([
        Buffer.from(
          'GET /early HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' + 'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
          'latin1',
        ),
        frame,
      ]),
    );
    const switched = await client.response();
    assert.equal(switched.status, 101);
    assert.equal(String(switched.headers.upgrade), 'websocket');
    assert.equal(switched.headers['sec-websocket-accept'], 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
    await until(() => client.unread.length >= 7, 'the echoed frame');
    assert.deepEqual([...client.unread.subarray(0, 2)], [0x81, 5]);
    assert.equal(client.unread.subarray(2, 7).toString(), 'early');
    client.socket.destroy();
  });

  test('least-connections counts open tunnels, and the count falls when they close', async () => {
    const service = fulcrum.services.get('ws')!;
    const active = (): number[] => service.backends.map((backend) => backend.active);
    await until(() => active().every((n) => n === 0), 'earlier tunnels to close');
    const sockets: WebSocket[] = [];
    for (let i = 0; i < 4; i++) sockets.push(await connect(`${url}/lc${i}`));
    assert.deepEqual(active(), [2, 2], 'two tunnels each, counted while open');
    const names: string[] = [];
    for (const ws of sockets) {
      const reply = nextMessage(ws);
      ws.send('who');
      names.push((await reply).data.toString());
    }
    assert.deepEqual(names.sort(), ['a', 'a', 'b', 'b']);
    // a plain request in the middle goes to either, and does not disturb the counts
    const plain = await fetch(`http://127.0.0.1:${portOf(fulcrum)}/plain`);
    assert.equal(plain.status, 200);
    await plain.text();
    sockets[0]!.close();
    sockets[1]!.close();
    await Promise.all([closed(sockets[0]!), closed(sockets[1]!)]);
    await until(() => active().reduce((x, y) => x + y, 0) === 2, 'two tunnels closed');
    // the next tunnels go where the fewest are open
    const more = await connect(`${url}/lc-more`);
    const reply = nextMessage(more);
    more.send('who');
    const to = (await reply).data.toString();
    const counts = active();
    assert.equal(counts[0]! + counts[1]!, 3);
    assert.ok(Math.abs(counts[0]! - counts[1]!) <= 1, `balanced: ${counts} (went to ${to})`);
    for (const ws of [...sockets.slice(2), more]) ws.close();
    await until(() => active().every((n) => n === 0), 'every tunnel to close');
  });
});
