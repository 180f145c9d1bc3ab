// timeouts.handshake on https listeners: a client that sends part of a ClientHello (and then
// trickles bytes, which an idle timer would never notice) is closed once the handshake time is up.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import type { Fulcrum } from '../../src/fulcrum.js';
import { startHttpBackend, type HttpBackend } from '../helpers/http-backend.js';
import { TestCa, tempDir } from '../helpers/pki.js';
import { portOf, startFulcrum, yaml } from '../helpers/fulcrum.js';
import { rawRequest } from '../helpers/raw-client.js';

const HANDSHAKE_MS = 600;
let pki: ReturnType<typeof tempDir>;
let backend: HttpBackend;
let fulcrum: Fulcrum;
let port: number;

before(async () => {
  pki = tempDir();
  const pair = TestCa.create(pki.dir).issue('a', ['a.test']);
  backend = await startHttpBackend();
  fulcrum = await startFulcrum(yaml`
    listeners:
      - name: web
        address: 127.0.0.1:0
        protocol: https
        timeouts: { handshake: ${HANDSHAKE_MS}ms, header: 30s }
        tls: { certificates: [ { cert: ${pair.cert}, key: ${pair.key} } ] }
        routes: [ { service: app } ]
    services:
      app: { backends: [ { address: ${backend.address} } ] }
  `);
  port = portOf(fulcrum);
});

after(async () => {
  await fulcrum?.close();
  await backend?.close();
  pki?.remove();
});

/** A TLS record header announcing a 512-byte handshake message, and the ClientHello's first bytes. */
const HALF_CLIENT_HELLO = Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03, 0x00, 0x01, 0x02]);

async function closedAfter(trickle: boolean): Promise<number> {
  const socket = net.connect({ port, host: '127.0.0.1' });
  socket.on('error', () => {});
  await once(socket, 'connect');
  const started = Date.now();
  socket.write(HALF_CLIENT_HELLO);
  // the client's own pace, not a wait of the test: one more byte of the ClientHello every 100 ms
  const drip = trickle ? setInterval(() => socket.write(Buffer.from([0x00])), 100) : undefined;
  const limit = setTimeout(() => socket.destroy(), HANDSHAKE_MS * 8); // bounded: a socket still open fails below
  try {
    await once(socket, 'close');
    return Date.now() - started;
  } finally {
    clearInterval(drip);
    clearTimeout(limit);
  }
}

test('half a ClientHello, then silence: closed within timeouts.handshake (not timeouts.header)', async () => {
  const elapsed = await closedAfter(false);
  assert.ok(elapsed >= HANDSHAKE_MS - 50, `closed after ${elapsed} ms, before the handshake time`);
  assert.ok(elapsed < HANDSHAKE_MS * 4, `closed after ${elapsed} ms`);
});

test('half a ClientHello trickled a byte at a time: still closed within timeouts.handshake', async () => {
  const elapsed = await closedAfter(true);
  assert.ok(elapsed < HANDSHAKE_MS * 4, `closed after ${elapsed} ms`);
  assert.equal(backend.requests.length, 0);
});

test('TLS to a backend that never answers the ClientHello: bounded by timeouts.connect (502), as for HTTP/2 backends', async () => {
  const silent = net.createServer((socket) => socket.on('error', () => {})); // accepts, reads, never answers
  silent.listen(0, '127.0.0.1');
  await once(silent, 'listening');
  const silentPort = (silent.address() as net.AddressInfo).port;
  const proxy = await startFulcrum(yaml`
    listeners:
      - name: web
        address: 127.0.0.1:0
        routes: [ { match: { pathPrefix: /h2 }, service: h2 }, { service: h1 } ]
    services:
      h1: { backends: [ { address: 127.0.0.1:${silentPort} } ], tls: { insecureSkipVerify: true }, timeouts: { connect: ${HANDSHAKE_MS}ms } }
      h2: { protocol: h2, backends: [ { address: 127.0.0.1:${silentPort} } ], tls: { insecureSkipVerify: true }, timeouts: { connect: ${HANDSHAKE_MS}ms } }
  `);
  try {
    for (const path of ['/h1', '/h2']) {
      const started = Date.now();
      const response = await rawRequest(portOf(proxy), `GET ${path} HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n`);
      const elapsed = Date.now() - started;
      assert.ok(response.status === 502 || response.status === 504, `${path}: ${response.status}`);
      assert.ok(elapsed < HANDSHAKE_MS * 5, `${path}: answered after ${elapsed} ms`);
    }
  } finally {
    await proxy.close();
    silent.close();
  }
});
