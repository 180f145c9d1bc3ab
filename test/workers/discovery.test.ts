// Discovery under workers: 2 runs once, in the main thread; the workers follow what it found. A new
// A record reaches every worker, and (threads) the discovered backend's counters are the shared ones.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { DNSMASQ, Dnsmasq } from '../helpers/dnsmasq.js';
import { yaml } from '../helpers/fulcrum.js';
import { type IpBackends, startIpBackends } from '../helpers/ip-backends.js';
import { chooseListenMode } from '../../src/workers/listen-mode.js';
import { get, startWorkersFrom, until } from './helpers.js';

const mode = await chooseListenMode();
const skip = existsSync(DNSMASQ) ? false : `${DNSMASQ} is absent: apt-get install -y dnsmasq-base (CI does)`;

describe(`workers: 2 follow the main thread's discovery (${mode})`, { skip, timeout: 60_000 }, () => {
  let dns: Dnsmasq;
  let backends: IpBackends;
  before(async () => {
    backends = await startIpBackends(['127.0.0.2', '127.0.0.3']);
    dns = await Dnsmasq.start({ hosts: ['127.0.0.2 api.internal'] });
  });
  after(async () => {
    await dns?.close();
    await backends?.close();
  });

  test('found backends serve in every worker; a new record reaches all of them', async () => {
    const { fulcrum, pool } = await startWorkersFrom(yaml`
      listeners: [ { name: web, address: 127.0.0.1:0, protocol: http, routes: [ { service: api } ] } ]
      services:
        api:
          discovery: { dns: { name: api.internal, port: ${backends.port}, resolvers: [${dns.address}], refresh: 500ms, timeout: 300ms } }
    `);
    try {
      const port = fulcrum.address('web').port;
      const first = await Promise.all(Array.from({ length: 20 }, () => get(port)));
      assert.ok(
        first.every((a) => a.status === 200 && a.body === '127.0.0.2'),
        first.map((a) => `${a.status} ${a.body}`).join(', '),
      );
      await fulcrum.metrics();
      assert.ok(
        pool.acceptedByWorker().every((n) => n > 0),
        `both workers served: ${pool.acceptedByWorker().join('/')}`,
      );
      const found = fulcrum.services.get('api')!.backends[0]!;
      if (mode === 'reuseport') assert.equal(found.total, 20, 'the workers count in the main thread’s cells');

      await dns.setHosts(['127.0.0.2 api.internal', '127.0.0.3 api.internal']);
      await until('both records in the main thread', () => fulcrum.services.get('api')!.backends.length === 2);
      await until('every worker to send to the new backend', async () => {
        const before = backends.served.get('127.0.0.3') ?? 0;
        await Promise.all(Array.from({ length: 20 }, () => get(port)));
        return (backends.served.get('127.0.0.3') ?? 0) - before >= 5;
      });
      const bodies = await Promise.all(Array.from({ length: 40 }, () => get(port).then((a) => a.body)));
      assert.ok(bodies.includes('127.0.0.2') && bodies.includes('127.0.0.3'), bodies.join(' '));
    } finally {
      await fulcrum.close();
    }
  });
});
