import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { once } from 'node:events';
import { portOf, startFulcrum, yaml } from '../helpers/fulcrum.js';
import { closed, closedPort, eventually, exchange, run, startRedis, startTcpServer, type Redis } from '../helpers/l4.js';
import { encodeProxyHeader } from '../../src/net/proxy-protocol.js';
import { until } from '../helpers/health.js';

let redis: Redis;
before(async () => {
  redis = await startRedis();
});
after(() => redis.stop());

test('redis behind a tcp listener: redis-cli and redis-benchmark through Fulcrum', async () => {
  const fulcrum = await startFulcrum(yaml`
    listeners:
      - { name: db, address: 127.0.0.1:0, protocol: tcp, service: redis }
    services:
      redis: { algorithm: least-connections, backends: [ { address: 127.0.0.1:${redis.port} } ] }
  `);
  try {
    const port = String(portOf(fulcrum, 'db'));
    const set = await run('redis-cli', ['-p', port, 'SET', 'greeting', 'hello through fulcrum']);
    assert.equal(set.stdout.trim(), 'OK', set.stderr);
    const get = await run('redis-cli', ['-p', port, 'GET', 'greeting']);
    assert.equal(get.stdout.trim(), 'hello through fulcrum');
    // a 2 MB value, piped in: many chunks each way
    const big = randomBytes(1024 * 1024).toString('hex');
    const setBig = await run('redis-cli', ['-p', port, '-x', 'SET', 'big'], { input: big });
    assert.equal(setBig.stdout.trim(), 'OK');
    const getBig = await run('redis-cli', ['-p', port, '--raw', 'GET', 'big']);
    assert.equal(getBig.stdout.trim(), big);
    const bench = await run('redis-benchmark', ['-p', port, '-q', '-n', '5000', '-c', '20', '-P', '8', '-t', 'set,get,lpush,lpop']);
    assert.equal(bench.code, 0, bench.stderr);
    for (const command of ['SET', 'GET', 'LPUSH', 'LPOP']) assert.match(bench.stdout, new RegExp(`${command}: [\\d.]+ requests per second`));
    const service = fulcrum.services.get('redis')!;
    await eventually(() => service.backends[0]!.active === 0, 'every connection counted out');
    assert.ok(service.backends[0]!.total >= 24, `connections counted: ${service.backends[0]!.total}`);
  } finally {
    await fulcrum.close();
  }
});

test('bytes pass untouched both ways with backpressure; half-close is propagated per direction', async () => {
  // the backend answers with a digest of everything it got, after the client's FIN, then closes;
  // it reads slowly: Fulcrum's writes to it queue, and the client's reads must pause, never overwrite what is queued
  const backend = await startTcpServer((socket) => {
    const hash = createHash('sha256');
    let bytes = 0;
    socket.on('data', (c: Buffer) => {
      hash.update(c);
      bytes += c.length;
      socket.pause();
      setImmediate(() => socket.resume());
    });
    socket.on('end', () => socket.end(`${bytes} ${hash.digest('hex')}`));
  });
  const fulcrum = await startFulcrum(yaml`
    listeners:
      - { name: t, address: 127.0.0.1:0, protocol: tcp, service: s }
    services:
      s: { backends: [ { address: 127.0.0.1:${backend.port} } ] }
  `);
  try {
    const payload = randomBytes(24 * 1024 * 1024);
    const { received } = await exchange(portOf(fulcrum, 't'), payload);
    assert.equal(received.toString(), `${payload.length} ${createHash('sha256').update(payload).digest('hex')}`);

    // the other direction: the backend streams 24 MB to a client that reads slowly
    const big = randomBytes(24 * 1024 * 1024);
    const streaming = await startTcpServer((socket) => socket.end(big));
    const f2 = await startFulcrum(yaml`
      listeners:
        - { name: t, address: 127.0.0.1:0, protocol: tcp, service: s }
      services:
        s: { backends: [ { address: 127.0.0.1:${streaming.port} } ] }
    `);
    try {
      const client = net.connect(portOf(f2, 't'), '127.0.0.1');
      const chunks: Buffer[] = [];
      client.on('data', (c: Buffer) => {
        chunks.push(c);
        client.pause();
        setImmediate(() => client.resume());
      });
      await once(client, 'end');
      assert.ok(Buffer.concat(chunks).equals(big), 'the slow reader got every byte in order');
      client.destroy();
    } finally {
      await f2.close();
      await streaming.close();
    }
  } finally {
    await fulcrum.close();
    await backend.close();
  }
});

test('a refused backend fails over to the next; the idle timeout closes a silent connection', async () => {
  const refused = await closedPort();
  const backend = await startTcpServer();
  const fulcrum = await startFulcrum(yaml`
    listeners:
      - name: t
        address: 127.0.0.1:0
        protocol: tcp
        service: s
        timeouts: { idle: 300ms }
    services:
      s:
        backends: [ { address: 127.0.0.1:${refused} }, { address: 127.0.0.1:${backend.port} } ]
        retries: { attempts: 1 }
  `);
  try {
    for (let i = 0; i < 4; i++) {
      const { received } = await exchange(portOf(fulcrum, 't'), `ping ${i}`);
      assert.equal(received.toString(), `ping ${i}`);
    }
    const service = fulcrum.services.get('s')!;
    await eventually(() => service.backends.every((b) => b.active === 0), 'connections counted out');
    assert.equal(service.backends[1]!.total, 4);

    const silent = net.connect(portOf(fulcrum, 't'), '127.0.0.1');
    await once(silent, 'connect');
    const started = Date.now();
    silent.write('x');
    await once(silent, 'data');
    silent.resume();
    await closed(silent);
    const idle = Date.now() - started;
    assert.ok(idle >= 280 && idle < 2000, `closed after ${idle} ms`);
  } finally {
    await fulcrum.close();
    await backend.close();
  }
});

test('least-connections sees L4 connections; ip-hash keeps a client on one backend', async () => {
  const a = await startTcpServer();
  const b = await startTcpServer();
  const fulcrum = await startFulcrum(yaml`
    listeners:
      - { name: lc, address: 127.0.0.1:0, protocol: tcp, service: lc }
      - { name: ih, address: 127.0.0.1:0, protocol: tcp, service: ih }
    services:
      lc: { algorithm: least-connections, backends: [ { address: 127.0.0.1:${a.port} }, { address: 127.0.0.1:${b.port} } ] }
      ih: { algorithm: ip-hash, backends: [ { address: 127.0.0.1:${a.port} }, { address: 127.0.0.1:${b.port} } ] }
  `);
  try {
    const open: net.Socket[] = [];
    for (let i = 0; i < 6; i++) {
      const s = net.connect(portOf(fulcrum, 'lc'), '127.0.0.1');
      s.write('hi');
      await once(s, 'data');
      open.push(s);
    }
    const lc = fulcrum.services.get('lc')!;
    assert.deepEqual(
      lc.backends.map((x) => x.active),
      [3, 3],
    );
    // the sessions in /metrics: six accepted, six open
    const during = await fulcrum.metrics();
    assert.match(during, /^fulcrum_connections_total\{listener="lc"\} 6$/m);
    assert.match(during, /^fulcrum_connections_active\{listener="lc"\} 6$/m);
    for (const s of open) s.destroy();
    await Promise.all(open.map(closed));
    const ih = fulcrum.services.get('ih')!;
    for (let i = 0; i < 4; i++) await exchange(portOf(fulcrum, 'ih'), 'x');
    assert.deepEqual(ih.backends.map((x) => x.total).sort(), [0, 4], 'one client address, one backend');
    await until(async () => /^fulcrum_connections_active\{listener="lc"\} 0$/m.test(await fulcrum.metrics()), 5000, 'the closed sessions to leave the count');
  } finally {
    await fulcrum.close();
    await a.close();
    await b.close();
  }
});

test('PROXY protocol: sent to backends (v1, v2), accepted from trusted sources only', async () => {
  const backend = await startTcpServer((socket) => socket.on('end', () => socket.end()));
  const fulcrum = await startFulcrum(yaml`
    listeners:
      - { name: v1, address: 127.0.0.1:0, protocol: tcp, service: v1 }
      - { name: v2, address: 127.0.0.1:0, protocol: tcp, service: v2 }
      - { name: behind, address: 127.0.0.1:0, protocol: tcp, service: v1, acceptProxyProtocol: { trusted: [127.0.0.1/32] } }
      - { name: strict, address: 127.0.0.1:0, protocol: tcp, service: v1, acceptProxyProtocol: { trusted: [10.0.0.0/8] } }
    services:
      v1: { backends: [ { address: 127.0.0.1:${backend.port} } ], proxyProtocol: v1 }
      v2: { backends: [ { address: 127.0.0.1:${backend.port} } ], proxyProtocol: v2 }
  `);
  try {
    const client = net.connect({ port: portOf(fulcrum, 'v1'), host: '127.0.0.1', allowHalfOpen: true });
    await once(client, 'connect');
    const clientPort = client.localPort;
    client.end('payload');
    await closed(client);
    const v1 = backend.received.at(-1)!.toString('latin1');
    assert.equal(v1, `PROXY TCP4 127.0.0.1 127.0.0.1 ${clientPort} ${portOf(fulcrum, 'v1')}\r\npayload`);

    await exchange(portOf(fulcrum, 'v2'), 'payload');
    const v2 = backend.received.at(-1)!;
    assert.equal(v2.subarray(0, 12).toString('latin1'), '\r\n\r\n\0\r\nQUIT\n');
    assert.equal(v2[12], 0x21);
    assert.equal(v2[13], 0x11);
    assert.equal(v2.subarray(28).toString(), 'payload');

    // a trusted proxy in front: its header's client reaches the backend's header
    const header = encodeProxyHeader('v2', { source: { ip: '203.0.113.7', port: 40000 }, destination: { ip: '198.51.100.1', port: 443 } });
    await exchange(portOf(fulcrum, 'behind'), Buffer.concat([header, Buffer.from('after')]));
    assert.equal(backend.received.at(-1)!.toString('latin1'), 'PROXY TCP4 203.0.113.7 198.51.100.1 40000 443\r\nafter');

    const count = backend.received.length;
    const malformed = await exchange(portOf(fulcrum, 'behind'), 'PROXY TCP4 not-an-ip 1.2.3.4 1 2\r\nhello');
    assert.equal(malformed.received.length, 0);
    const untrusted = await exchange(portOf(fulcrum, 'strict'), Buffer.concat([header, Buffer.from('x')]));
    assert.equal(untrusted.received.length, 0);
    assert.equal(backend.received.length, count, 'neither reached the backend');
  } finally {
    await fulcrum.close();
    await backend.close();
  }
});
