import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import { once } from 'node:events';
import { parseClientHello } from '../../src/l4/sni-peek.js';
import { encodeProxyHeader, parseProxyHeader } from '../../src/net/proxy-protocol.js';

/** A real ClientHello, as node's TLS client sends it. */
async function captureClientHello(options: tls.ConnectionOptions): Promise<Buffer> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  const got = new Promise<Buffer>((resolve) =>
    server.once('connection', (socket) => {
      let data = Buffer.alloc(0);
      socket.on('data', (c: Buffer) => {
        data = Buffer.concat([data, c]);
        if (data.length >= 5 && data.length >= 5 + data.readUInt16BE(3)) {
          resolve(data);
          socket.destroy();
        }
      });
    }),
  );
  const client = tls.connect({ host: '127.0.0.1', port, ...options });
  client.on('error', () => {});
  const hello = await got;
  client.destroy();
  server.close();
  return hello;
}

test('ClientHello: SNI and ALPN read from a real one, every prefix is incomplete, split records work', async () => {
  const hello = await captureClientHello({ servername: 'Api.Example.com', ALPNProtocols: ['h2', 'http/1.1'] });
  assert.deepEqual(parseClientHello(hello), { kind: 'ok', sni: 'api.example.com', alpn: ['h2', 'http/1.1'] });
  for (let n = 0; n < hello.length; n++) assert.equal(parseClientHello(hello.subarray(0, n)).kind, 'incomplete', `prefix of ${n}`);
  // the same handshake message in two records
  const message = hello.subarray(5);
  const cut = 40;
  const record = (body: Buffer) => Buffer.concat([Buffer.from([0x16, 0x03, 0x01, body.length >> 8, body.length & 0xff]), body]);
  const split = Buffer.concat([record(message.subarray(0, cut)), record(message.subarray(cut))]);
  assert.deepEqual(parseClientHello(split), { kind: 'ok', sni: 'api.example.com', alpn: ['h2', 'http/1.1'] });
  const bare = await captureClientHello({});
  assert.deepEqual(parseClientHello(bare), { kind: 'ok', sni: null, alpn: [] });
});

test('ClientHello: malformed input is an error, never an exception or an over-read', async () => {
  const hello = await captureClientHello({ servername: 'a.test', ALPNProtocols: ['http/1.1'] });
  assert.equal(parseClientHello(Buffer.from('GET / HTTP/1.1\r\n\r\n')).kind, 'error');
  assert.equal(parseClientHello(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x00])).kind, 'error', 'empty record');
  assert.equal(parseClientHello(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x04, 0x02, 0, 0, 0])).kind, 'error', 'not a ClientHello');
  let seed = 42;
  const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  for (let i = 0; i < 3000; i++) {
    const mutated = Buffer.from(hello);
    for (let k = 0; k < 1 + Math.floor(random() * 4); k++) mutated[Math.floor(random() * mutated.length)] = Math.floor(random() * 256);
    const result = parseClientHello(mutated); // must not throw
    if (result.kind === 'ok' && result.sni !== null) assert.match(result.sni, /^[a-z0-9.-]+$/);
  }
});

test('PROXY protocol: v1 and v2 round trips, IPv6, LOCAL/UNKNOWN, partial and malformed headers', () => {
  const v4 = { source: { ip: '203.0.113.7', port: 40000 }, destination: { ip: '198.51.100.1', port: 443 } };
  const v6 = { source: { ip: '2001:db8::1', port: 1 }, destination: { ip: '2001:db8:0:0:1::2', port: 65535 } };
  for (const version of ['v1', 'v2'] as const) {
    for (const addresses of [v4, v6]) {
      const header = encodeProxyHeader(version, addresses);
      const withData = Buffer.concat([header, Buffer.from('GET /')]);
      const parsed = parseProxyHeader(withData);
      assert.equal(parsed.kind, 'ok');
      if (parsed.kind !== 'ok') continue;
      assert.equal(parsed.length, header.length);
      assert.equal(parsed.addresses!.source.port, addresses.source.port);
      assert.equal(parsed.addresses!.destination.port, addresses.destination.port);
      assert.equal(parsed.addresses!.source.ip, addresses.source.ip);
      for (let n = 0; n < header.length; n++) assert.equal(parseProxyHeader(header.subarray(0, n)).kind, 'incomplete', `${version} prefix ${n}`);
    }
  }
  assert.equal(encodeProxyHeader('v1', v4).toString(), 'PROXY TCP4 203.0.113.7 198.51.100.1 40000 443\r\n');
  // an IPv4 client of an IPv6 socket is written in one family
  assert.equal(encodeProxyHeader('v1', { source: { ip: '::ffff:10.0.0.1', port: 5 }, destination: { ip: '::1', port: 6 } }).toString(), 'PROXY TCP6 ::ffff:10.0.0.1 ::1 5 6\r\n');
  assert.deepEqual(parseProxyHeader(Buffer.from('PROXY UNKNOWN\r\n')), { kind: 'ok', length: 15, addresses: null });
  const local = encodeProxyHeader('v2', v4);
  local[12] = 0x20;
  assert.deepEqual(parseProxyHeader(local), { kind: 'ok', length: local.length, addresses: null });
  for (const bad of [
    'PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n',
    'PROXY TCP4 1.2.3.4 5.6.7.8 1 65536\r\n',
    'PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n',
    'PROXY TCP6 1.2.3.4 5.6.7.8 1 2\r\n',
    'PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n',
    'PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n',
    'GET / HTTP/1.1\r\n',
    `PROXY TCP4 ${'1'.repeat(120)}`,
  ]) {
    assert.equal(parseProxyHeader(Buffer.from(bad)).kind, 'error', JSON.stringify(bad));
  }
  const wrongVersion = encodeProxyHeader('v2', v4);
  wrongVersion[12] = 0x11;
  assert.equal(parseProxyHeader(wrongVersion).kind, 'error');
  const short = encodeProxyHeader('v2', v4);
  short.writeUInt16BE(4, 14);
  assert.equal(parseProxyHeader(short).kind, 'error', 'address block shorter than its family needs');
});
