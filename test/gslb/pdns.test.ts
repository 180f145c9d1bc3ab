// GSLB through a real PowerDNS: ECS-based geo answers, withdrawal of a failed region, panic,
// TCP, AAAA, NXDOMAIN/NODATA with the SOA, SOA/NS at the apex, weighted and failover names.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Fulcrum } from '../../src/fulcrum.js';
import { adminCall, startAdmin } from '../helpers/admin.js';
import { yaml } from '../helpers/fulcrum.js';
import { captureLogger, startFulcrumLogged, until } from '../helpers/health.js';
import { dig, type Pdns, type ReadyTarget, startPdns, startReadyTarget } from './pdns.js';

const INTERVAL = 200;
const TIMEOUT = 150;
const FALL = 2;

let fulcrum: Fulcrum;
let pdns: Pdns;
let admin: { admin: { close(): Promise<void> }; url: string };
const targets: Record<'eu' | 'us' | 'ap', ReadyTarget> = {} as never;
const log = captureLogger();

before(async () => {
  targets.eu = await startReadyTarget('127.0.0.2');
  targets.us = await startReadyTarget('127.0.0.3');
  targets.ap = await startReadyTarget('127.0.0.4');
  const check = (t: ReadyTarget) => `{ url: "${t.url}", interval: ${INTERVAL}ms, timeout: ${TIMEOUT}ms, fall: ${FALL}, rise: 2 }`;
  fulcrum = await startFulcrumLogged(
    yaml`
      admin: { address: 127.0.0.1:0 }
      gslb:
        listen: 127.0.0.1:0
        zone: example.test
        ttl: 30s
        nameservers: [ns1.example.test, ns2.example.test]
        regions:
          eu: { answer: [192.0.2.10, "2001:db8::10"], clients: [10.1.0.0/16, "2001:db8:1::/48"], weight: 3, check: ${check(targets.eu)} }
          us: { answer: [198.51.100.10], clients: [10.2.0.0/16], weight: 1, check: ${check(targets.us)} }
          ap: { answer: [203.0.113.10], clients: [10.3.0.0/16], check: ${check(targets.ap)} }
        names:
          www: { policy: geo, regions: [eu, us, ap] }
          shop: { policy: weighted, regions: [eu, us] }
          api: { policy: failover, regions: [us, eu] }
    `,
    log.logger,
  );
  await until(() => fulcrum.gslb!.regionStates().every((r) => r.status === 'healthy'), 5_000, 'every region checked healthy');
  pdns = await startPdns(fulcrum.gslb!.address.port, 'example.test');
  admin = await startAdmin(fulcrum);
});

after(async () => {
  await pdns?.stop();
  await admin?.admin.close();
  await fulcrum?.close();
  await Promise.all(Object.values(targets).map((t) => t.close()));
});

const addresses = (answer: { answer: Array<{ type: string; data: string }> }, type = 'A') =>
  answer.answer
    .filter((r) => r.type === type)
    .map((r) => r.data)
    .sort();

test('geo: the ECS subnet picks its region, and the scope is the matched prefix', async () => {
  const eu = await dig(pdns.port, ['www.example.test', 'A', '+subnet=10.1.0.0/16']);
  assert.equal(eu.status, 'NOERROR');
  assert.ok(eu.flags.includes('aa'), eu.text);
  assert.deepEqual(addresses(eu), ['192.0.2.10']);
  assert.equal(eu.subnet, '10.1.0.0/16/16', eu.text);
  assert.equal(eu.answer[0]!.ttl, 30);
  const us = await dig(pdns.port, ['www.example.test', 'A', '+subnet=10.2.3.0/24']);
  assert.deepEqual(addresses(us), ['198.51.100.10']);
  assert.equal(us.subnet, '10.2.3.0/24/16', us.text);
  // a subnet no region lists: the first region of the name's order, scoped to the client's own subnet
  const other = await dig(pdns.port, ['www.example.test', 'A', '+subnet=172.16.5.0/24']);
  assert.deepEqual(addresses(other), ['192.0.2.10']);
  assert.equal(other.subnet, '172.16.5.0/24/24', other.text);
});

test('over TCP the same answer', async () => {
  const answer = await dig(pdns.port, ['+tcp', 'www.example.test', 'A', '+subnet=10.3.0.0/16']);
  assert.equal(answer.transport, 'TCP', answer.text);
  assert.deepEqual(addresses(answer), ['203.0.113.10']);
  assert.equal(answer.subnet, '10.3.0.0/16/16');
});

test('AAAA from the region answer; NODATA (with the SOA) when the region has no IPv6 address', async () => {
  const v6 = await dig(pdns.port, ['www.example.test', 'AAAA', '+subnet=10.1.0.0/16']);
  assert.deepEqual(addresses(v6, 'AAAA'), ['2001:db8::10']);
  const fromV6 = await dig(pdns.port, ['www.example.test', 'AAAA', '+subnet=2001:db8:1:5::/64']);
  assert.deepEqual(addresses(fromV6, 'AAAA'), ['2001:db8::10']);
  assert.equal(fromV6.subnet, '2001:db8:1:5::/64/48', fromV6.text);
  const nodata = await dig(pdns.port, ['www.example.test', 'AAAA', '+subnet=10.2.0.0/16']);
  assert.equal(nodata.status, 'NOERROR', nodata.text);
  assert.equal(nodata.answer.length, 0);
  assert.equal(nodata.authority[0]?.type, 'SOA', nodata.text);
  const mx = await dig(pdns.port, ['www.example.test', 'MX']);
  assert.equal(mx.status, 'NOERROR');
  assert.equal(mx.answer.length, 0);
  assert.equal(mx.authority[0]?.type, 'SOA');
});

test('NXDOMAIN with the SOA for a name the zone does not have', async () => {
  const answer = await dig(pdns.port, ['nope.example.test', 'A']);
  assert.equal(answer.status, 'NXDOMAIN', answer.text);
  assert.equal(answer.authority[0]?.type, 'SOA');
  assert.equal(answer.authority[0]?.ttl, 30);
  assert.match(answer.authority[0]!.data, /^ns1\.example\.test\. hostmaster\.example\.test\. \d+ 3600 600 604800 30$/);
  const outside = await dig(pdns.port, ['www.example.org', 'A']);
  assert.equal(outside.status, 'REFUSED', 'a zone PowerDNS is not authoritative for');
});

test('SOA and NS at the apex', async () => {
  const soa = await dig(pdns.port, ['example.test', 'SOA']);
  assert.equal(soa.status, 'NOERROR');
  assert.equal(soa.answer[0]?.type, 'SOA');
  const ns = await dig(pdns.port, ['example.test', 'NS']);
  assert.deepEqual(ns.answer.map((r) => r.data).sort(), ['ns1.example.test.', 'ns2.example.test.']);
});

test('failover answers the first region of its order; weighted shares by weight', async () => {
  const api = await dig(pdns.port, ['api.example.test', 'A', '+subnet=10.1.0.0/16']);
  assert.deepEqual(addresses(api), ['198.51.100.10']);
  assert.equal(api.subnet, '10.1.0.0/16/0', 'a failover answer does not depend on the subnet');
  const seen = { eu: 0, us: 0 };
  for (let i = 0; i < 40; i++) {
    const shop = await dig(pdns.port, ['shop.example.test', 'A']);
    const [address] = addresses(shop);
    if (address === '192.0.2.10') seen.eu++;
    else if (address === '198.51.100.10') seen.us++;
    else assert.fail(`unexpected answer ${shop.text}`);
  }
  // weights 3:1; P(eu <= us or us == 0) over 40 draws is below 1e-4
  assert.ok(seen.eu > seen.us && seen.us > 0, JSON.stringify(seen));
});

test('a failed region is withdrawn within interval × fall and its clients get the next region; it comes back', async (t) => {
  const failedAt = performance.now();
  targets.eu.ready = false;
  await until(() => !fulcrum.gslb!.regionStates().find((r) => r.name === 'eu')!.up, 3_000, 'eu withdrawn');
  const took = performance.now() - failedAt;
  // fall probes, each interval apart after the previous ended, the first up to an interval away
  assert.ok(took <= INTERVAL * FALL + TIMEOUT + INTERVAL, `withdrawn after ${Math.round(took)} ms`);
  t.diagnostic(`withdrawn ${Math.round(took)} ms after its /readyz began to fail (interval ${INTERVAL} ms × fall ${FALL})`);
  const moved = await dig(pdns.port, ['www.example.test', 'A', '+subnet=10.1.0.0/16']);
  assert.deepEqual(addresses(moved), ['198.51.100.10'], moved.text);
  assert.equal(moved.subnet, '10.1.0.0/16/16');
  assert.ok(log.entries().some((e) => e.msg === 'gslb region down: withdrawn from answers' && e.region === 'eu'));
  const view = await adminCall(admin.url, 'GET', '/api/v1/gslb');
  const body = view.body as { regions: Array<{ name: string; up: boolean; status: string; reason: string }>; names: Array<{ name: string; clientsGo?: unknown }> };
  assert.deepEqual(body.names.find((n) => n.name === 'www.example.test')!.clientsGo, { eu: ['us'], us: ['us'], ap: ['ap'] });
  const eu = body.regions.find((r) => r.name === 'eu')!;
  assert.deepEqual([eu.up, eu.status, eu.reason], [false, 'unhealthy', 'http: status 503']);
  assert.match(await fulcrum.metrics(), /fulcrum_gslb_region_up\{region="eu"\} 0\n/);

  const fixedAt = performance.now();
  targets.eu.ready = true;
  await until(() => fulcrum.gslb!.regionStates().find((r) => r.name === 'eu')!.up, 3_000, 'eu back');
  t.diagnostic(`back ${Math.round(performance.now() - fixedAt)} ms after it was fixed (rise 2)`);
  const back = await dig(pdns.port, ['www.example.test', 'A', '+subnet=10.1.0.0/16']);
  assert.deepEqual(addresses(back), ['192.0.2.10']);
});

test('every region down: panic, every address answered, said in a log line, the admin API and /metrics', async () => {
  for (const target of Object.values(targets)) target.ready = false;
  await until(() => fulcrum.gslb!.panicNames().includes('www'), 3_000, 'www in panic');
  const answer = await dig(pdns.port, ['www.example.test', 'A', '+subnet=10.1.0.0/16']);
  assert.deepEqual(addresses(answer), ['192.0.2.10', '198.51.100.10', '203.0.113.10'], answer.text);
  assert.equal(answer.subnet, '10.1.0.0/16/0', 'a panic answer is the same for every subnet');
  assert.ok(log.entries().some((e) => e.msg.startsWith('gslb panic: every region of this name is down') && e.name === 'www'));
  const view = (await adminCall(admin.url, 'GET', '/api/v1/gslb')).body as { panic: string[]; names: Array<{ name: string; panic: boolean; panicAnswers: number }> };
  assert.deepEqual(view.panic.sort(), ['api', 'shop', 'www']);
  const www = view.names.find((n) => n.name === 'www.example.test')!;
  assert.equal(www.panic, true);
  assert.ok(www.panicAnswers >= 1);
  const metrics = await fulcrum.metrics();
  assert.match(metrics, /fulcrum_gslb_panic\{name="www"\} 1\n/);
  assert.match(metrics, /fulcrum_gslb_panic_answers_total\{name="www"\} [1-9]/);
  assert.match(metrics, /fulcrum_gslb_answers_total\{name="www",region="eu"\} [1-9]/);

  for (const target of Object.values(targets)) target.ready = true;
  await until(() => fulcrum.gslb!.panicNames().length === 0, 3_000, 'panic over');
  assert.ok(log.entries().some((e) => e.msg.startsWith('gslb panic over') && e.name === 'www'));
});

test('every request PowerDNS made was understood (unknown methods would be logged once each)', () => {
  const refused = log.entries().filter((e) => e.msg === 'gslb: remote backend request refused');
  assert.deepEqual(refused, []);
  const unknown = log.entries().filter((e) => e.msg.startsWith('gslb: PowerDNS called a remote backend method'));
  assert.deepEqual(
    unknown.map((e) => e.method),
    [],
  );
});
