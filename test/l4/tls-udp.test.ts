import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import https from 'node:https';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import { portOf, startFulcrum, yaml } from '../helpers/fulcrum.js';
import { TestCa, tempDir } from '../helpers/pki.js';
import { closed, eventually, exchange, run, startUdpResponder } from '../helpers/l4.js';
import type { UdpListener } from '../../src/l4/udp-proxy.js';

let pki: ReturnType<typeof tempDir>;
let ca: TestCa;
before(() => {
  pki = tempDir();
  ca = TestCa.create(pki.dir);
});
after(() => pki.remove());

async function tlsBackend(name: string, hosts: string[]): Promise<{ port: number; close(): void }> {
  const files = ca.issue(name, hosts);
  const server = https.createServer({ cert: readFileSync(files.cert), key: readFileSync(files.key), ALPNProtocols: ['h2', 'http/1.1'] }, (req, res) =>
    res.end(`${name} saw ${req.headers.host}`),
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as net.AddressInfo).port, close: () => (server.closeAllConnections(), server.close()) };
}

test('tls passthrough: two TLS backends chosen by SNI (exact, wildcard, default) and ALPN, bytes untouched', async () => {
  const a = await tlsBackend('alpha', ['a.pass.test', 'other.test']);
  const b = await tlsBackend('beta', ['b.pass.test', 'x.wild.pass.test']);
  const fulcrum = await startFulcrum(yaml`
    listeners:
      - name: pass
        address: 127.0.0.1:0
        protocol: tls
        timeouts: { clientHello: 300ms }
        routes:
          - { match: { sni: a.pass.test }, service: alpha }
          - { match: { sni: [b.pass.test, "*.wild.pass.test"] }, service: beta }
          - { match: { alpn: h2 }, service: beta }
        service: alpha
    services:
      alpha: { backends: [ { address: 127.0.0.1:${a.port} } ] }
      beta: { backends: [ { address: 127.0.0.1:${b.port} } ] }
  `);
  const port = portOf(fulcrum, 'pass');
  const curl = (host: string, extra: string[] = []) =>
    run('curl', ['-sS', '--max-time', '5', '--http1.1', '--cacert', ca.cert, '--resolve', `${host}:${port}:127.0.0.1`, ...extra, `https://${host}:${port}/`]);
  try {
    // each backend's own certificate verifies for its name: TLS was not terminated by Fulcrum
    assert.equal((await curl('a.pass.test')).stdout, `alpha saw a.pass.test:${port}`);
    assert.equal((await curl('b.pass.test')).stdout, `beta saw b.pass.test:${port}`);
    assert.equal((await curl('x.wild.pass.test')).stdout, `beta saw x.wild.pass.test:${port}`);
    assert.equal((await curl('other.test')).stdout, `alpha saw other.test:${port}`, 'no route matched: the default service');
    const h2 = await run('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'other.test', '-alpn', 'h2'], { input: '' });
    assert.match(h2.stdout, /subject=CN = b\.pass\.test/, 'ALPN h2 went to beta');
    assert.match(h2.stdout, /ALPN protocol: h2/);

    const garbage = await exchange(port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.equal(garbage.received.length, 0, 'not a ClientHello: closed');
    const partial = net.connect(port, '127.0.0.1');
    partial.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00]));
    const started = Date.now();
    partial.on('error', () => {});
    await closed(partial);
    const waited = Date.now() - started;
    assert.ok(waited >= 250 && waited < 2000, `an unfinished ClientHello is closed after the timeout (${waited} ms)`);
  } finally {
    await fulcrum.close();
    a.close();
    b.close();
  }
});

/** A DNS-like responder: answers every A question with `address`. */
function dnsAnswer(address: string) {
  return (query: Buffer): Buffer | null => {
    if (query.length < 12) return null;
    let at = 12;
    while (at < query.length && query[at] !== 0) at += query[at]! + 1;
    const questionEnd = at + 5;
    const header = Buffer.from(query.subarray(0, 12));
    header.writeUInt16BE(0x8180, 2); // response, recursion desired + available, no error
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(1, 6);
    header.writeUInt16BE(0, 8);
    header.writeUInt16BE(0, 10);
    const answer = Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, ...address.split('.').map(Number)]);
    return Buffer.concat([header, query.subarray(12, questionEnd), answer]);
  };
}

test('udp: dig through Fulcrum to DNS-like backends, sessions per client, bounded table, idle expiry', async () => {
  const one = await startUdpResponder(dnsAnswer('10.0.0.1'));
  const two = await startUdpResponder(dnsAnswer('10.0.0.2'));
  const fulcrum = await startFulcrum(yaml`
    listeners:
      - { name: dns, address: 127.0.0.1:0, protocol: udp, service: dns, sessionTimeout: 300ms, maxSessions: 3 }
    services:
      dns: { backends: [ { address: 127.0.0.1:${one.port} }, { address: 127.0.0.1:${two.port} } ] }
  `);
  const port = portOf(fulcrum, 'dns');
  const listener = (fulcrum as unknown as { listeners: Map<string, UdpListener> }).listeners.get('dns')!;
  try {
    const answers = new Set<string>();
    for (let i = 0; i < 2; i++) {
      const dig = await run('dig', ['@127.0.0.1', '-p', String(port), `host${i}.example.test`, 'A', '+short', '+tries=1', '+time=2']);
      assert.equal(dig.code, 0, dig.stderr);
      answers.add(dig.stdout.trim());
    }
    assert.deepEqual([...answers].sort(), ['10.0.0.1', '10.0.0.2'], 'two clients (two source ports), one session each, round robin');

    // one client, many datagrams: one session, one backend, replies from the listener's address
    const client = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => client.bind(0, '127.0.0.1', resolve));
    const replies: Array<{ from: number; ip: string }> = [];
    client.on('message', (msg, from) => replies.push({ from: from.port, ip: msg.subarray(-4).join('.') }));
    const query = Buffer.from('123401000001000000000000076578616d706c650474657374000001000 1'.replace(/ /g, ''), 'hex');
    for (let i = 0; i < 5; i++) client.send(query, port, '127.0.0.1');
    await eventually(() => replies.length === 5, 'five replies');
    assert.ok(
      replies.every((r) => r.from === port),
      'replies come from the listener port',
    );
    assert.equal(new Set(replies.map((r) => r.ip)).size, 1, 'one session, one backend');

    // the table is bounded: with 3 sessions live, a 4th client gets nothing
    await eventually(() => listener.sessions.size <= 3, 'sessions');
    const extra: dgram.Socket[] = [];
    while (listener.sessions.size < 3) {
      const s = dgram.createSocket('udp4');
      await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
      s.send(query, port, '127.0.0.1');
      extra.push(s);
      await eventually(() => listener.sessions.size >= 1, 'session');
      await new Promise((r) => setTimeout(r, 20));
    }
    const dropped = listener.dropped;
    const late = dgram.createSocket('udp4');
    late.send(query, port, '127.0.0.1');
    await eventually(() => listener.dropped === dropped + 1, 'the datagram of a client beyond maxSessions to be dropped');
    late.close();
    // silence ends sessions
    await eventually(() => listener.sessions.size === 0, 'sessions to expire', 3_000);
    assert.deepEqual(
      fulcrum.services.get('dns')!.backends.map((b) => b.active),
      [0, 0],
    );
    client.close();
    for (const s of extra) s.close();
  } finally {
    await fulcrum.close();
    await one.close();
    await two.close();
  }
});
