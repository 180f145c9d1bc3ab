// Two DNS backends behind a udp listener, one dead (a UDP socket that reads and never answers):
// the dns health check takes it out so every `dig` through Fulcrum answers; without an active
// check, replyTimeout + passiveHealth eject it after maxFails unanswered sessions.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import dgram from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { Fulcrum } from '../../src/fulcrum.js';
import { Dnsmasq } from '../helpers/dnsmasq.js';
import { portOf, startFulcrum, yaml } from '../helpers/fulcrum.js';
import { until } from '../helpers/health.js';

const run = promisify(execFile);

/** One `dig` through Fulcrum, one try: the address answered, or null when no answer came in 1 s. */
async function dig(port: number): Promise<string | null> {
  try {
    const { stdout } = await run('dig', ['@127.0.0.1', '-p', String(port), 'api.internal', 'A', '+short', '+tries=1', '+timeout=1']);
    return stdout.trim() === '' ? null : stdout.trim();
  } catch {
    return null; // exit 9: no reply
  }
}

describe('udp: DNS backends, one that drops every datagram', () => {
  let dns: Dnsmasq;
  let dead: dgram.Socket;
  let deadPort: number;
  before(async () => {
    dns = await Dnsmasq.start({ hosts: ['10.9.9.9 api.internal'] });
    dead = dgram.createSocket('udp4');
    dead.on('message', () => {}); // read and dropped
    await new Promise<void>((resolve) => dead.bind(0, '127.0.0.1', resolve));
    deadPort = dead.address().port;
  });
  after(async () => {
    dead.close();
    await dns.close();
  });

  const listener = (extra = '') => yaml`
    listeners:
      - { name: dns, address: 127.0.0.1:0, protocol: udp, service: resolvers, sessionTimeout: 5s${extra} }
  `;

  it('the dns health check takes the dead one out: every dig through Fulcrum answers', async () => {
    let fulcrum: Fulcrum | null = null;
    try {
      fulcrum = await startFulcrum(
        listener() +
          yaml`
          services:
            resolvers:
              algorithm: round-robin
              panicThreshold: 0
              backends: [ { address: ${dns.address} }, { address: 127.0.0.1:${deadPort} } ]
              healthCheck: { type: dns, query: api.internal, queryType: A, expectAnswer: 10.9.9.9, interval: 500ms, timeout: 300ms, unhealthyThreshold: 1 }
        `,
      );
      const service = fulcrum.services.get('resolvers')!;
      const deadBackend = service.backends[1]!;
      await until(() => !deadBackend.healthy, 3000, 'the dead backend to fail its check');
      assert.match(deadBackend.healthReason, /timeout/);
      assert.equal(service.backends[0]!.healthy, true, 'dnsmasq passes (rcode NOERROR, answer 10.9.9.9)');
      const port = portOf(fulcrum, 'dns');
      const answers: Array<string | null> = [];
      for (let i = 0; i < 20; i++) answers.push(await dig(port));
      assert.deepEqual(
        answers,
        answers.map(() => '10.9.9.9'),
        'every dig answered',
      );
    } finally {
      await fulcrum?.close();
    }
  });

  it('passive: no answer within replyTimeout counts as a failure; after maxFails unanswered sessions the dead one is ejected', async () => {
    let fulcrum: Fulcrum | null = null;
    try {
      fulcrum = await startFulcrum(
        listener(', replyTimeout: 400ms') +
          yaml`
          services:
            resolvers:
              algorithm: round-robin
              backends: [ { address: ${dns.address} }, { address: 127.0.0.1:${deadPort} } ]
              passiveHealth: { maxFails: 3, failTimeout: 30s }
        `,
      );
      const service = fulcrum.services.get('resolvers')!;
      const deadBackend = service.backends[1]!;
      const port = portOf(fulcrum, 'dns');
      let lost = 0;
      for (let i = 0; i < 12 && !deadBackend.ejected; i++) if ((await dig(port)) === null) lost++;
      await until(() => deadBackend.ejected, 2000, 'the dead backend to be ejected');
      assert.equal(lost, 3, 'ejected after 3 unanswered sessions');
      assert.match(deadBackend.healthReason, /3 consecutive failures \(last: timeout\)/);
      assert.equal(service.backends[0]!.ejected, false, 'the answering one stays');
      const answers: Array<string | null> = [];
      for (let i = 0; i < 20; i++) answers.push(await dig(port));
      assert.deepEqual(
        answers,
        answers.map(() => '10.9.9.9'),
        'every dig answered once it is out',
      );
    } finally {
      await fulcrum?.close();
    }
  });
});
