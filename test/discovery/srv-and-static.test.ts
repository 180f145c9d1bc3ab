// Discovery from SRV records (ports, weights, priorities) and beside static backends (AAAA, the
// backends' sources), against dnsmasq, under load where the records change.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { adminCall, startAdmin } from '../helpers/admin.js';
import { Dnsmasq } from '../helpers/dnsmasq.js';
import { until } from '../helpers/health.js';
import { request } from '../helpers/http-get.js';
import { type IpBackends, startIpBackends } from '../helpers/ip-backends.js';
import { startLoad } from '../helpers/load.js';
import { config, ids, sleep, startWith } from './discovery-helpers.js';

describe('discovery: SRV records from dnsmasq', () => {
  let dns: Dnsmasq;
  let backends: IpBackends[];
  before(async () => {
    // SRV gives the ports: three backends on 127.0.0.1, each its own port
    backends = [await startIpBackends(['127.0.0.1']), await startIpBackends(['127.0.0.1']), await startIpBackends(['127.0.0.1'])];
  });
  after(async () => {
    await dns?.close();
    for (const b of backends) await b.close();
  });
  const srv = (weights: number[], backupPort: number) => [
    ...weights.map((w, i) => `_http._tcp.api.internal,be.internal,${backends[i]!.port},10,${w}`),
    `_http._tcp.api.internal,be.internal,${backupPort},20,100`, // a higher priority number: a backup, not used
  ];

  it('ports and weights come from the records, the lowest priority only; a weight change is applied in place; 0 failed under load', async (t) => {
    dns = await Dnsmasq.start({ hosts: ['127.0.0.1 be.internal'], srv: srv([1, 3], backends[2]!.port) });
    const { fulcrum } = await startWith(config(dns, 'name: _http._tcp.api.internal, type: SRV').replace(/resolvers/, 'hold: { error: 1m }, resolvers'));
    try {
      const port = fulcrum.address('web').port;
      const service = fulcrum.services.get('api')!;
      const [first, second] = backends.map((b) => `127.0.0.1:${b.port}`);
      assert.deepEqual(
        service.backends.map((b) => [b.id, b.weight]).sort(),
        [
          [first, 1],
          [second, 3],
        ].sort(),
        'the backup priority is left out',
      );
      const kept = service.backends.find((b) => b.id === first)!;
      const load = startLoad(port, 100);
      await sleep(500);
      // dnsmasq reads SRV lines at start: restarted, so resolutions fail meanwhile (hold.error keeps the set)
      await dns.setSrv(srv([4, 3], backends[2]!.port));
      await until(() => kept.weight === 4, 5000, 'the new weight');
      assert.equal(
        service.backends.find((b) => b.id === first),
        kept,
        'in place: the same Backend',
      );
      await dns.setSrv(srv([4, 3, 2], backends[2]!.port).filter((line) => !line.includes(',20,')));
      await until(() => service.backends.length === 3, 5000, 'the third record');
      await until(() => (backends[2]!.served.get('127.0.0.1') ?? 0) > 0, 4000, 'the third backend to serve');
      const report = await load.stop();
      t.diagnostic(`load: ${report.sent} sent, ${report.ok} ok, ${report.failed} failed, ${report.refused} refused`);
      assert.equal(report.failed + report.refused, 0, report.errors.join('; '));
      const served = backends.map((b) => b.served.get('127.0.0.1') ?? 0);
      assert.ok(served[0]! > 0 && served[1]! > 0, `each served: ${served.join(', ')}`);
    } finally {
      await fulcrum.close();
    }
  });
});

describe('discovery beside static backends', () => {
  let dns: Dnsmasq;
  let v4: IpBackends;
  let v6: IpBackends;
  before(async () => {
    v4 = await startIpBackends(['127.0.0.2', '127.0.0.3']);
    v6 = await startIpBackends(['::1'], v4.port);
    dns = await Dnsmasq.start({ hosts: ['127.0.0.2 api.internal', '127.0.0.3 api.internal', '::1 api.internal'] });
  });
  after(async () => {
    await dns.close();
    await v4.close();
    await v6.close();
  });

  it('AAAA records; an address the config also has stays the config’s; sources config, admin and dns; the last static backend may go', async () => {
    const text = config(dns, `name: api.internal, port: ${v4.port}, type: AAAA`, `    backends: [ { address: 127.0.0.2:${v4.port} } ]`).replace(
      'slowStart: 2s',
      'slowStart: 0s', // the admin's backend takes its share at once
    );
    const { fulcrum } = await startWith(text);
    const started = await startAdmin(fulcrum).catch(async (error) => {
      await fulcrum.close();
      throw error;
    });
    const { admin, url } = started;
    try {
      assert.deepEqual(ids(fulcrum), [`127.0.0.2:${v4.port}`, `[::1]:${v4.port}`]);
      const added = await adminCall(url, 'POST', '/api/v1/services/api/backends', { address: `127.0.0.3:${v4.port}` });
      assert.equal(added.status, 201);
      assert.equal(added.body.source, 'admin');
      const view = await adminCall(url, 'GET', '/api/v1/services/api/backends');
      assert.deepEqual(
        view.body.backends.map((b: { address: string; source: string }) => [b.address, b.source]),
        [
          [`127.0.0.2:${v4.port}`, 'config'],
          [`127.0.0.3:${v4.port}`, 'admin'],
          [`[::1]:${v4.port}`, 'dns:api.internal'],
        ],
      );
      const answered = new Set<string>();
      for (let i = 0; i < 6; i++) answered.add((await request(fulcrum.address('web').port, '/')).body.toString());
      assert.deepEqual([...answered].sort(), ['127.0.0.2', '127.0.0.3', '::1']);
      // a service with discovery may be left to it
      assert.equal((await adminCall(url, 'DELETE', `/api/v1/services/api/backends/127.0.0.2:${v4.port}`)).status, 202);
      assert.equal((await adminCall(url, 'DELETE', `/api/v1/services/api/backends/127.0.0.3:${v4.port}`)).status, 202);
      assert.deepEqual(ids(fulcrum), [`[::1]:${v4.port}`]);
      assert.equal((await adminCall(url, 'DELETE', `/api/v1/services/api/backends/%5B%3A%3A1%5D%3A${v4.port}`)).status, 409, 'a discovered one follows DNS');
    } finally {
      await admin.close();
      await fulcrum.close();
    }
  });
});
