// A live WebSocket tunnel is an open connection to its backend: it counts towards the breaker's
// maxConnections until it closes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type net from 'node:net';
import { once } from 'node:events';
import { WebSocket, WebSocketServer } from 'ws';
import type { Fulcrum } from '../../src/fulcrum.js';
import { ask } from '../helpers/named-backends.js';
import { portOf, startFulcrum, yaml } from '../helpers/fulcrum.js';

let server: http.Server;
let wss: WebSocketServer;
let fulcrum: Fulcrum;
let port: number;
const open = new Set<net.Socket>();

before(async () => {
  server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end('plain'));
  });
  server.keepAliveTimeout = 60_000;
  server.on('connection', (socket: net.Socket) => {
    open.add(socket);
    socket.on('close', () => open.delete(socket));
  });
  wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => ws.on('message', (data) => ws.send(data))));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const backendPort = (server.address() as net.AddressInfo).port;
  fulcrum = await startFulcrum(yaml`
    listeners: [ { name: web, address: 127.0.0.1:0, routes: [ { service: ws } ] } ]
    services:
      ws:
        backends: [ { address: 127.0.0.1:${backendPort} } ]
        circuitBreaker: { maxConnections: 1 }
  `);
  port = portOf(fulcrum);
});

after(async () => {
  await fulcrum?.close();
  for (const client of wss.clients) client.terminate();
  wss.close();
  server.closeAllConnections();
  server.close();
});

test('an open WebSocket counts as a connection: with maxConnections 1 a plain request gets a 503 until it closes', { timeout: 10_000 }, async () => {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/socket`);
  await once(ws, 'open');
  ws.send('ping');
  const [echo] = await once(ws, 'message');
  assert.equal(String(echo), 'ping');
  const backend = fulcrum.services.get('ws')!.backends[0]!;
  assert.equal(backend.connections?.openCount, 1, 'the tunnel is an open connection');

  const refused = await ask(port, '/plain');
  assert.equal(refused.status, 503);
  assert.equal(refused.headers['x-fulcrum-circuit'], 'max-connections');

  const upstreamClosed = once([...open][0]!, 'close');
  ws.close();
  await Promise.all([upstreamClosed, once(ws, 'close')]);
  assert.equal((await ask(port, '/plain')).status, 200, 'admitted once the tunnel closed');
});
