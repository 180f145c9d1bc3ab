// Reloading tls (passthrough) and udp listeners keeps their sockets and live sessions, and what
// changed applies to new ones.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import type { Fulcrum } from '../../src/fulcrum.js';
import type { TlsPassthroughListener } from '../../src/l4/tls-passthrough.js';
import type { UdpListener } from '../../src/l4/udp-proxy.js';
import { portOf, startFulcrum, yaml } from '../helpers/fulcrum.js';
import { eventually, startUdpResponder } from '../helpers/l4.js';
import { TestCa, tempDir } from '../helpers/pki.js';
import { LineClient, parse, startNamedBackend } from './line-peers.js';

let pki: ReturnType<typeof tempDir>;
let ca: TestCa;
before(() => {
  pki = tempDir();
  ca = TestCa.create(pki.dir);
});
after(() => pki.remove());

function listenerOf<T>(fulcrum: Fulcrum, name: string): T {
  return (fulcrum as unknown as { listeners: Map<string, T> }).listeners.get(name)!;
}

test('tls passthrough reloaded with a new SNI route: same socket, live sessions kept, a new ClientHello takes the new route', async () => {
  const alphaFiles = ca.issue('alpha', ['a.test', 'b.test']);
  const betaFiles = ca.issue('beta', ['b.test']);
  const alpha = await startNamedBackend('alpha', { cert: readFileSync(alphaFiles.cert), key: readFileSync(alphaFiles.key) });
  const beta = await startNamedBackend('beta', { cert: readFileSync(betaFiles.cert), key: readFileSync(betaFiles.key) });
  const config = (routes: string) => yaml`
    listeners:
      - name: pass
        address: 127.0.0.1:0
        protocol: tls
        routes: [ ${routes} ]
        service: alpha
    services:
      alpha: { backends: [ { address: 127.0.0.1:${alpha.port} } ] }
      beta: { backends: [ { address: 127.0.0.1:${beta.port} } ] }
  `;
  const fulcrum = await startFulcrum(config('{ match: { sni: a.test }, service: alpha }'));
  const port = portOf(fulcrum, 'pass');
  const server = listenerOf<TlsPassthroughListener>(fulcrum, 'pass').server;
  const caCert = readFileSync(ca.cert);
  const clients: LineClient[] = [];
  const connect = async (servername: string, socket?: net.Socket) => {
    const client = await LineClient.connect(port, { servername, ca: caCert, ...(socket && { socket }) });
    clients.push(client);
    return client;
  };
  try {
    const onA = await connect('a.test');
    const bBefore = await connect('b.test');
    assert.equal(await onA.ask('1'), 'alpha 1');
    assert.equal(await bBefore.ask('1'), 'alpha 1', 'no route for b.test yet: the default service');
    // accepted before the reload, its ClientHello sent after it
    const early = net.connect(port, '127.0.0.1');
    await new Promise((resolve) => early.once('connect', resolve));

    const result = await fulcrum.reload(parse(config('{ match: { sni: a.test }, service: alpha }, { match: { sni: b.test }, service: beta }')));
    assert.ok(result.ok, JSON.stringify(result));
    assert.deepEqual(result.listeners.updated, ['pass']);
    assert.deepEqual(result.listeners.rebound, []);
    assert.equal(portOf(fulcrum, 'pass'), port);
    assert.equal(listenerOf<TlsPassthroughListener>(fulcrum, 'pass').server, server, 'the same server socket');

    assert.equal(await onA.ask('2'), 'alpha 2', 'a live session goes on');
    assert.equal(await bBefore.ask('2'), 'alpha 2', 'a live session keeps the route it started with');
    assert.equal(await (await connect('b.test')).ask('3'), 'beta 3', 'a new ClientHello for b.test takes the new route');
    assert.equal(await (await connect('b.test', early)).ask('4'), 'beta 4', 'so does one completing after the reload');
    assert.equal(await (await connect('a.test')).ask('5'), 'alpha 5');
  } finally {
    for (const client of clients) client.close();
    await fulcrum.close();
    await Promise.all([alpha.close(), beta.close()]);
  }
});

test('udp reloaded with new backends and session timeout: same socket, live sessions keep their backend and timeout', async () => {
  const one = await startUdpResponder((msg) => Buffer.from(`one ${msg}`));
  const two = await startUdpResponder((msg) => Buffer.from(`two ${msg}`));
  const config = (timeout: string, backend: number) => yaml`
    listeners:
      - { name: dns, address: 127.0.0.1:0, protocol: udp, service: dns, sessionTimeout: ${timeout} }
    services:
      dns: { backends: [ { address: 127.0.0.1:${backend} } ] }
  `;
  const fulcrum = await startFulcrum(config('30s', one.port));
  const port = portOf(fulcrum, 'dns');
  const listener = listenerOf<UdpListener>(fulcrum, 'dns');
  const socket = listener.socket;
  const clients: dgram.Socket[] = [];
  const client = async () => {
    const s = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
    clients.push(s);
    const ask = (text: string) =>
      new Promise<string>((resolve) => {
        s.once('message', (msg) => resolve(msg.toString()));
        s.send(text, port, '127.0.0.1');
      });
    return { ask, key: `127.0.0.1 ${s.address().port}` };
  };
  try {
    const old = await client();
    assert.equal(await old.ask('a1'), 'one a1');

    const result = await fulcrum.reload(parse(config('300ms', two.port)));
    assert.ok(result.ok, JSON.stringify(result));
    assert.deepEqual(result.listeners.updated, ['dns']);
    assert.equal(portOf(fulcrum, 'dns'), port);
    assert.equal(listenerOf<UdpListener>(fulcrum, 'dns').socket, socket, 'the same socket');

    assert.equal(await old.ask('a2'), 'one a2', 'the live session keeps its backend');
    const fresh = await client();
    assert.equal(await fresh.ask('b1'), 'two b1', 'a new session goes to the new backend');
    const quietSince = Date.now();
    await eventually(() => !listener.sessions.has(fresh.key), 'the new session to expire after 300ms');
    const expired = Date.now() - quietSince;
    assert.ok(expired >= 250, `expired after ${expired} ms`);
    assert.ok(listener.sessions.has(old.key), 'the live session keeps its 30s timeout');
    assert.equal(await old.ask('a3'), 'one a3');
  } finally {
    for (const s of clients) s.close();
    await fulcrum.close();
    await Promise.all([one.close(), two.close()]);
  }
});
