// Discovery against a real DNS server (dnsmasq on loopback) with real HTTP backends on 127.0.0.x,
// under a steady client load through Fulcrum: records that appear join, records that vanish drain,
// failures keep the last good set for their hold, an unresolvable name at start is not fatal, reloads.
// SRV records and discovery beside static backends: srv-and-static.test.ts.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseConfigText } from '../../src/config/index.js';
import type { Backend } from '../../src/pool/backend.js';
import { adminCall, startAdmin } from '../helpers/admin.js';
import { Dnsmasq } from '../helpers/dnsmasq.js';
import { DnsRelay } from '../helpers/dns-relay.js';
import { until } from '../helpers/health.js';
import { request } from '../helpers/http-get.js';
import { type IpBackends, startIpBackends } from '../helpers/ip-backends.js';
import { startLoad } from '../helpers/load.js';
import { changes, config, ids, sleep, startWith } from './discovery-helpers.js';

describe('discovery: A records from dnsmasq', () => {
  let dns: Dnsmasq;
  let backends: IpBackends;
  before(async () => {
    backends = await startIpBackends(['127.0.0.2', '127.0.0.3', '127.0.0.4']);
    dns = await Dnsmasq.start({ hosts: ['127.0.0.2 api.internal', '127.0.0.3 api.internal'] });
  });
  after(async () => {
    await dns.close();
    await backends.close();
  });

  it('a record that appears joins with slow start, one that vanishes drains (its in-flight request finishes); unchanged backends keep their object and counters; 0 failed under load', async (t) => {
    await dns.setHosts(['127.0.0.2 api.internal', '127.0.0.3 api.internal']);
    const { fulcrum, lines } = await startWith(config(dns, `name: api.internal, port: ${backends.port}, type: A`));
    try {
      const port = fulcrum.address('web').port;
      assert.deepEqual(ids(fulcrum), [`127.0.0.2:${backends.port}`, `127.0.0.3:${backends.port}`], 'resolved before the listeners opened');
      const load = startLoad(port, 100);
      await sleep(500);
      const [two, three] = fulcrum.services.get('api')!.backends as [Backend, Backend];
      const twoServed = two.total;

      await dns.setHosts(['127.0.0.2 api.internal', '127.0.0.3 api.internal', '127.0.0.4 api.internal']);
      await until(() => ids(fulcrum).length === 3, 4000, '127.0.0.4 to join');
      const four = fulcrum.services.get('api')!.backends.find((b) => b.id === `127.0.0.4:${backends.port}`)!;
      assert.ok(four.effectiveWeight() < four.weight, `the new backend ramps (effective ${four.effectiveWeight()} of ${four.weight})`);
      assert.equal(fulcrum.services.get('api')!.backends[0], two, 'the same Backend object');
      assert.ok(two.total >= twoServed, 'its counters go on');
      await until(() => (backends.served.get('127.0.0.4') ?? 0) > 0, 4000, '127.0.0.4 to serve');

      // requests held on every backend, then 127.0.0.2 leaves the answer
      const slow = Array.from({ length: 6 }, () => request(port, '/slow'));
      await until(() => (backends.open.get('127.0.0.2') ?? 0) > 0, 3000, 'a slow request on 127.0.0.2');
      await dns.setHosts(['127.0.0.3 api.internal', '127.0.0.4 api.internal']);
      await until(() => !ids(fulcrum).includes(`127.0.0.2:${backends.port}`), 4000, '127.0.0.2 to leave');
      assert.ok(two.draining, 'the removed backend drains');
      assert.ok(
        fulcrum.drains.retiring('api').some((d) => d.backend === two),
        'listed as removing until its request is done',
      );
      const answers = await Promise.all(slow);
      assert.deepEqual(
        answers.map((a) => a.status),
        answers.map(() => 200),
        'in-flight requests finish',
      );
      const servedByTwo = backends.served.get('127.0.0.2')!;
      await sleep(500);
      assert.equal(backends.served.get('127.0.0.2'), servedByTwo, 'no new request reaches the removed backend');
      assert.equal(fulcrum.services.get('api')!.backends[0], three);

      const report = await load.stop();
      t.diagnostic(`load: ${report.sent} sent, ${report.ok} ok, ${report.failed} failed, ${report.refused} refused`);
      assert.equal(report.failed + report.refused, 0, `0 failed: ${report.errors.join('; ')}`);
      assert.ok(report.ok > 150, `load ran (${report.ok} ok)`);
      assert.equal(changes(lines).length, 3, 'one log line per change: the first answer, one added, one removed');
      assert.deepEqual(changes(lines)[1]!.added, [`127.0.0.4:${backends.port}`]);
      assert.deepEqual(changes(lines)[2]!.removed, [`127.0.0.2:${backends.port}`]);

      // the admin API shows where each backend came from, and does not change discovered ones
      const { admin, url } = await startAdmin(fulcrum);
      try {
        const view = await adminCall(url, 'GET', '/api/v1/services/api');
        assert.deepEqual(
          view.body.backends.map((b: { source: string }) => b.source),
          ['dns:api.internal', 'dns:api.internal'],
        );
        assert.equal(view.body.discovery.source, 'dns:api.internal');
        assert.ok(view.body.discovery.resolutions.ok > 0);
        const patch = await adminCall(url, 'PATCH', `/api/v1/services/api/backends/127.0.0.3:${backends.port}`, { weight: 3 });
        assert.equal(patch.status, 409);
        assert.match(patch.body.error, /comes from dns:api\.internal/);
        const metrics = await fulcrum.metrics();
        assert.match(metrics, /fulcrum_discovery_resolutions_total\{service="api",source="dns:api.internal",result="ok"\} [1-9]/);
        assert.match(metrics, /fulcrum_discovery_backends\{service="api",source="dns:api.internal"\} 2/);
      } finally {
        await admin.close();
      }
    } finally {
      await fulcrum.close();
    }
  });

  it('NXDOMAIN keeps the last good set for hold.nx, then empties the service (503); the name coming back fills it', async () => {
    await dns.setHosts(['127.0.0.2 api.internal', '127.0.0.3 api.internal']);
    const { fulcrum, lines } = await startWith(config(dns, `name: api.internal, port: ${backends.port}, type: A, hold: { nx: 3s, error: 1m }`));
    try {
      const port = fulcrum.address('web').port;
      const load = startLoad(port, 100);
      await sleep(300);
      await dns.setHosts(['127.0.0.9 other.internal']);
      await sleep(2000);
      const report = await load.stop();
      assert.equal(report.failed + report.refused, 0, `0 failed during hold.nx: ${report.errors.join('; ')}`);
      assert.equal(ids(fulcrum).length, 2, 'kept during the hold');
      assert.ok(fulcrum.services.get('api')!.discovery!.resolutions.get('nxdomain')! > 0);
      await until(() => ids(fulcrum).length === 0, 4000, 'the hold to end');
      const heldFor = Date.now() - fulcrum.services.get('api')!.discovery!.lastGoodAt;
      assert.ok(heldFor >= 2995 && heldFor < 4000, `emptied hold.nx after the last good answer (${heldFor} ms)`);
      assert.equal((await request(port, '/')).status, 503);
      assert.ok(lines().some((l) => l.msg === 'discovery: hold.nx is over; the backends found by DNS are removed'));

      await dns.setHosts(['127.0.0.3 api.internal']);
      await until(() => ids(fulcrum).length === 1, 4000, 'the name to come back');
      assert.equal((await request(port, '/')).status, 200);
    } finally {
      await fulcrum.close();
    }
  });

  it('the server stopped (refused) or silent (timeout) keeps the set for hold.error, 0 failed; then it empties', async () => {
    await dns.setHosts(['127.0.0.2 api.internal', '127.0.0.3 api.internal']);
    const { fulcrum, lines } = await startWith(config(dns, `name: api.internal, port: ${backends.port}, type: A, hold: { nx: 1s, error: 4s }`));
    try {
      const port = fulcrum.address('web').port;
      const discovery = fulcrum.services.get('api')!.discovery!;
      const load = startLoad(port, 100);
      await sleep(300);
      await dns.stop();
      await until(() => (discovery.resolutions.get('refused') ?? 0) > 0, 3000, 'a refused resolution');
      await dns.restart();
      await until(() => discovery.resolutions.get('ok')! > 2, 3000, 'resolving again');
      dns.pause();
      const silent = Date.now();
      await until(() => (discovery.resolutions.get('timeout') ?? 0) > 0, 4000, 'a timed-out resolution');
      await sleep(Math.max(0, 2500 - (Date.now() - silent)));
      const report = await load.stop();
      assert.equal(report.failed + report.refused, 0, `0 failed while DNS fails: ${report.errors.join('; ')}`);
      assert.equal(ids(fulcrum).length, 2, 'the last good set is kept');
      await until(() => ids(fulcrum).length === 0, 5000, 'hold.error to end').catch((error) => {
        throw new Error(`${error.message}: ${JSON.stringify([...discovery.resolutions])} ${JSON.stringify(lines().filter((l) => String(l.msg).startsWith('discovery')))}`);
      });
      const heldFor = Date.now() - discovery.lastGoodAt;
      assert.ok(heldFor >= 3995 && heldFor < 5000, `emptied hold.error after the last good answer (${heldFor} ms)`);
      assert.equal((await request(port, '/')).status, 503);
      dns.resume();
      await until(() => ids(fulcrum).length === 2, 5000, 'resolving again');
    } finally {
      dns.resume();
      await fulcrum.close();
    }
  });

  it('SERVFAIL keeps the set for hold.error with 0 failed under load, then empties it; answers again fill it', async (t) => {
    await dns.setHosts(['127.0.0.2 api.internal', '127.0.0.3 api.internal']);
    const relay = await DnsRelay.start(dns.port);
    const text = config(dns, `name: api.internal, port: ${backends.port}, type: A, hold: { nx: 1s, error: 3s }`).replace(dns.address, relay.address);
    const { fulcrum, lines } = await startWith(text);
    try {
      const port = fulcrum.address('web').port;
      const discovery = fulcrum.services.get('api')!.discovery!;
      assert.equal(ids(fulcrum).length, 2);
      const load = startLoad(port, 100);
      await sleep(300);
      relay.rcode = 2;
      await until(() => (discovery.resolutions.get('servfail') ?? 0) > 0, 3000, 'a SERVFAIL');
      await sleep(1500);
      const report = await load.stop();
      t.diagnostic(`load: ${report.sent} sent, ${report.ok} ok, ${report.failed} failed, ${report.refused} refused`);
      assert.equal(report.failed + report.refused, 0, report.errors.join('; '));
      assert.equal(ids(fulcrum).length, 2, 'kept');
      assert.ok(lines().some((l) => l.msg === 'discovery failed: keeping the last 2 backends for hold.error' && l.result === 'servfail'));
      await until(() => ids(fulcrum).length === 0, 4000, 'hold.error to end');
      const heldFor = Date.now() - discovery.lastGoodAt;
      assert.ok(heldFor >= 2995 && heldFor < 4000, `emptied hold.error after the last good answer (${heldFor} ms)`);
      relay.rcode = null;
      await until(() => ids(fulcrum).length === 2, 4000, 'answers again');
    } finally {
      await fulcrum.close();
      await relay.close();
    }
  });

  it('a name that does not resolve at start is not fatal: the service starts empty (503, logged), then fills; 0 failed once it has', async () => {
    await dns.setHosts(['127.0.0.9 other.internal']);
    const { fulcrum, lines } = await startWith(config(dns, `name: api.internal, port: ${backends.port}, type: A`));
    try {
      const port = fulcrum.address('web').port;
      assert.equal(ids(fulcrum).length, 0);
      assert.equal((await request(port, '/')).status, 503);
      assert.ok(lines().some((l) => l.msg === 'discovery: the name does not resolve; the service has no backends from it until it does' && l.result === 'nxdomain'));
      await dns.setHosts(['127.0.0.2 api.internal', '127.0.0.4 api.internal']);
      await until(() => ids(fulcrum).length === 2, 4000, 'the name to resolve');
      const load = startLoad(port, 100);
      await sleep(1500);
      const report = await load.stop();
      assert.equal(report.failed + report.refused, 0, report.errors.join('; '));
      assert.ok((backends.served.get('127.0.0.4') ?? 0) > 0);
    } finally {
      await fulcrum.close();
    }
  });

  it('reload: the same discovery keeps the discovered backends (same objects); new settings restart it; no discovery drains them', async () => {
    await dns.setHosts(['127.0.0.2 api.internal', '127.0.0.3 api.internal']);
    const discovery = `name: api.internal, port: ${backends.port}, type: A`;
    const { fulcrum } = await startWith(config(dns, discovery));
    try {
      const port = fulcrum.address('web').port;
      const service = fulcrum.services.get('api')!;
      const before = [...service.backends];
      const running = service.discovery;
      const load = startLoad(port, 100);
      const parse = (text: string) => {
        const parsed = parseConfigText(text, 'discovery.yaml');
        assert.ok(parsed.ok);
        return parsed.config;
      };
      // another change to the service, same discovery
      const same = await fulcrum.reload(parse(config(dns, discovery).replace('slowStart: 2s', 'slowStart: 3s')));
      assert.ok(same.ok && same.services.updated.includes('api'));
      assert.equal(service.discovery, running, 'the discovery goes on');
      assert.deepEqual(service.backends, before, 'the same Backend objects');
      // new settings: restarted, the backends found so far carried on
      const other = await fulcrum.reload(parse(config(dns, `${discovery}, hold: { nx: 10s, error: 10s }`)));
      assert.ok(other.ok);
      assert.notEqual(service.discovery, running, 'restarted');
      assert.deepEqual(service.backends, before, 'still the same objects');
      await sleep(1200);
      assert.deepEqual(service.backends, before, 'and after its first answer');
      const report = await load.stop();
      assert.equal(report.failed + report.refused, 0, report.errors.join('; '));
      // discovery removed, a static backend instead: the discovered ones drain
      const staticOnly = config(dns, discovery)
        .replace(/ {4}discovery: .*\n/, '')
        .concat(`\n    backends: [ { address: 127.0.0.4:${backends.port} } ]`);
      const dropped = await fulcrum.reload(parse(staticOnly));
      assert.ok(dropped.ok, JSON.stringify(dropped));
      assert.equal(service.discovery, null);
      assert.deepEqual(ids(fulcrum), [`127.0.0.4:${backends.port}`]);
      assert.ok(before.every((b) => b.draining));
      // a service added by a reload has its first answer before the swap: its first request is served
      const added = await fulcrum.reload(
        parse(
          `${staticOnly}\n  more:\n    discovery: { dns: { ${discovery}, resolvers: [${dns.address}], timeout: 300ms } }`.replace(
            'routes: [ { service: api } ] }',
            'routes: [ { service: api } ] }\n  - { name: more, address: 127.0.0.1:0, protocol: http, routes: [ { service: more } ] }',
          ),
        ),
      );
      assert.ok(added.ok && added.services.added.includes('more'), JSON.stringify(added));
      assert.equal((await request(fulcrum.address('more').port, '/')).status, 200);
    } finally {
      await fulcrum.close();
    }
  });
});

describe('discovery: the TTL within the refresh bound', () => {
  let backends: IpBackends;
  before(async () => {
    backends = await startIpBackends(['127.0.0.2', '127.0.0.3']);
  });
  after(() => backends.close());

  it('a 2 s TTL under a 30 s refresh: a change is seen within the TTL; a TTL of 0 is asked at most once a second', async () => {
    const dns = await Dnsmasq.start({ hosts: ['127.0.0.2 api.internal'], ttl: 2 });
    const zero = await Dnsmasq.start({ hosts: ['127.0.0.2 api.internal'], ttl: 0 });
    const slow = (server: Dnsmasq) => config(server, `name: api.internal, port: ${backends.port}, type: A`).replace('refresh: 1s', 'refresh: 30s');
    const { fulcrum } = await startWith(slow(dns));
    const { fulcrum: eager } = await startWith(slow(zero));
    try {
      const changed = Date.now();
      await dns.setHosts(['127.0.0.2 api.internal', '127.0.0.3 api.internal']);
      await until(() => ids(fulcrum).length === 2, 4000, 'the change, within the TTL rather than the refresh');
      assert.ok(Date.now() - changed <= 3000, `seen after ${Date.now() - changed} ms`);
      const asked = eager.services.get('api')!.discovery!.resolutions.get('ok')!;
      await sleep(3000);
      const more = eager.services.get('api')!.discovery!.resolutions.get('ok')! - asked;
      assert.ok(more >= 2 && more <= 4, `a TTL of 0: ${more} resolutions in 3 s (the 1 s floor)`);
    } finally {
      await fulcrum.close();
      await eager.close();
      await dns.close();
      await zero.close();
    }
  });
});
