// The dns health check against a real DNS server (dnsmasq on loopback), over UDP and TCP, and against
// a socket that never answers and a closed port.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import { DnsCheck } from '../../src/health/dns-check.js';
import { decodeAnswer, encodeQuery, formatIpv6 } from '../../src/net/dns-message.js';
import { Backend } from '../../src/pool/backend.js';
import { Dnsmasq, freeUdpPort } from '../helpers/dnsmasq.js';

const backendAt = (port: number) => new Backend({ address: { host: '127.0.0.1', port }, weight: 1, maxConnections: 0 });
const within = (ms: number) => AbortSignal.timeout(ms);

describe('dns health check', () => {
  let dns: Dnsmasq;
  before(async () => {
    dns = await Dnsmasq.start({ hosts: ['10.0.0.7 health.internal', 'fd00::7 health.internal'] });
  });
  after(() => dns.close());

  it('passes on the expected rcode and answer, over udp and tcp', async () => {
    for (const transport of ['udp', 'tcp'] as const) {
      await new DnsCheck({ query: 'health.internal', queryType: 'A', expectRcode: 'NOERROR', expectAnswer: '10.0.0.7', transport }).check(backendAt(dns.port), within(1000));
      await new DnsCheck({ query: 'health.internal', queryType: 'AAAA', expectAnswer: 'fd00:0::7', transport }).check(backendAt(dns.port), within(1000));
      await new DnsCheck({ query: 'missing.internal', expectRcode: 'NXDOMAIN', transport }).check(backendAt(dns.port), within(1000));
    }
  });

  it('fails, saying why, on another rcode, another answer, silence or a closed port', async () => {
    const backend = backendAt(dns.port);
    await assert.rejects(new DnsCheck({ query: 'missing.internal' }).check(backend, within(1000)), /dns: rcode NXDOMAIN, expected NOERROR/);
    await assert.rejects(new DnsCheck({ query: 'health.internal', expectAnswer: '10.0.0.8', transport: 'tcp' }).check(backend, within(1000)), /answered 10\.0\.0\.7, expected 10\.0\.0\.8/);
    const silent = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve));
    try {
      await assert.rejects(new DnsCheck({ query: 'health.internal' }).check(backendAt(silent.address().port), within(200)), (error: Error) => error.name === 'TimeoutError');
    } finally {
      silent.close();
    }
    await assert.rejects(new DnsCheck({ query: 'health.internal' }).check(backendAt(await freeUdpPort()), within(1000)), /dns: ECONNREFUSED/);
  });
});

describe('dns message codec', () => {
  it('encodes a query and decodes an answer with compression pointers; IPv6 as RFC 5952 text', () => {
    const query = encodeQuery(0x1234, 'a.example.', 'AAAA');
    assert.equal(query.readUInt16BE(0), 0x1234);
    assert.equal(query.readUInt16BE(query.length - 4), 28);
    // the query turned into an answer: QR set, one AAAA record named by a pointer to the question
    const record = Buffer.from([0xc0, 12, 0, 28, 0, 1, 0, 0, 0, 60, 0, 16, ...Buffer.from('20010db8000000000000000000000001', 'hex')]);
    const answer = Buffer.concat([query, record]);
    answer.writeUInt16BE(0x8180, 2);
    answer.writeUInt16BE(1, 6);
    assert.deepEqual(decodeAnswer(answer), { id: 0x1234, rcode: 'NOERROR', truncated: false, addresses: ['2001:db8::1'], answerCount: 1 });
    assert.throws(() => decodeAnswer(answer.subarray(0, answer.length - 3)), /truncated/);
    assert.equal(formatIpv6(Buffer.alloc(16)), '::');
    assert.equal(formatIpv6(Buffer.from('00010000000100000000000000000001', 'hex')), '1:0:1::1');
  });
});
