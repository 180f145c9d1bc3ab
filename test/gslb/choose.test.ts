// Region choice, client subnets and the zone's records, without PowerDNS.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfigText } from '../../src/config/index.js';
import type { GslbConfig } from '../../src/config/types.js';
import { chooseRegions, type RegionFacts } from '../../src/gslb/choose.js';
import { ClientMap } from '../../src/gslb/client-map.js';
import { parseClient } from '../../src/gslb/remote-backend.js';
import { Zone } from '../../src/gslb/zone.js';
import { yaml } from '../helpers/fulcrum.js';

function gslbOf(text: string): GslbConfig {
  const result = parseConfigText(text, 'gslb.yaml');
  if (!result.ok) throw new Error(result.errors.map((e) => `${e.path} ${e.message}`).join('\n'));
  return result.config.gslb!;
}

const CONFIG = gslbOf(yaml`
  gslb:
    listen: 127.0.0.1:0
    zone: Example.Test.
    ttl: 30s
    regions:
      eu: { answer: [192.0.2.10, "2001:db8::10"], clients: [10.1.0.0/16, "2001:db8:1::/48"], weight: 3, capacity: 100 }
      us: { answer: [198.51.100.10], clients: [10.2.0.0/16, 10.1.7.0/24], weight: 1, capacity: 300 }
      ap: { answer: [203.0.113.10], clients: [10.3.0.0/16] }
    names:
      www: { policy: geo, regions: [eu, us, ap] }
      shop: { policy: weighted, regions: [eu, us] }
      cap: { policy: weighted, regions: [eu, us], weightBy: capacity }
      api: { policy: failover, regions: [us, eu], ttl: 5s }
`);

const facts = (down: string[] = []): Map<string, RegionFacts> =>
  new Map(Object.entries(CONFIG.regions).map(([name, r]) => [name, { up: !down.includes(name), weight: r.weight, capacity: r.capacity }]));

test('config: names and zone normalised, fallback defaults to the written order, ttl per name', () => {
  assert.equal(CONFIG.zone, 'example.test');
  assert.deepEqual(CONFIG.fallback, ['eu', 'us', 'ap']);
  assert.deepEqual(CONFIG.nameservers, ['ns1.example.test']);
  assert.equal(CONFIG.names.api!.ttl, 5_000);
  assert.equal(CONFIG.names.www!.ttl, 30_000);
});

test('config errors name the path and what was expected', () => {
  const result = parseConfigText(
    yaml`
      gslb:
        zone: example.test
        regions:
          eu: { answer: [192.0.2.300], check: { url: "ftp://x/", interval: 1s, timeout: 2s } }
        names:
          www: { policy: nearest, regions: [eu, mars] }
    `,
    'bad.yaml',
  );
  assert.equal(result.ok, false);
  const messages = result.ok ? [] : result.errors.map((e) => `${e.path}: ${e.message}`);
  const has = (fragment: string) =>
    assert.ok(
      messages.some((m) => m.includes(fragment)),
      `${fragment} in\n${messages.join('\n')}`,
    );
  has('gslb.regions.eu.answer[0]: expected an IPv4 or IPv6 address');
  has('gslb.regions.eu.check.url: expected an http:// URL');
  has('gslb.names.www.policy');
  has("gslb.names.www.regions[1]: unknown region 'mars'");
});

test('a config with only gslb is valid; one with neither listeners nor gslb is not', () => {
  const only = parseConfigText('gslb: { zone: example.test, regions: { eu: { answer: [192.0.2.10] } }, names: { www: {} } }', 'only.yaml');
  assert.equal(only.ok, true);
  const none = parseConfigText('admin: { address: 127.0.0.1:0 }', 'none.yaml');
  assert.equal(none.ok, false);
  assert.match(none.ok ? '' : none.errors[0]!.message, /at least one listener \(or a gslb section alone/);
});

test('client map: the longest prefix wins; scope is the matched length, longer when a range is nested in it', () => {
  const map = new ClientMap(Object.entries(CONFIG.regions).map(([name, r]) => ({ name, clients: r.clients })));
  assert.deepEqual(map.locate('10.1.0.0', 16), { region: 'eu', scope: 24 }); // 10.1.7.0/24 (us) lies inside 10.1.0.0/16
  assert.deepEqual(map.locate('10.1.7.9', 24), { region: 'us', scope: 24 });
  assert.deepEqual(map.locate('10.2.3.0', 24), { region: 'us', scope: 16 });
  assert.deepEqual(map.locate('2001:db8:1::', 56), { region: 'eu', scope: 48 });
  assert.deepEqual(map.locate('172.16.0.1', 24), { region: null, scope: 24 });
});

test('geo: own region when up, else the next up one after it in the order (wrapping), panic when none', () => {
  const www = CONFIG.names.www!;
  assert.deepEqual(chooseRegions(www, facts(), 'us', 0.5), { regions: ['us'], panic: false, bySubnet: true });
  assert.deepEqual(chooseRegions(www, facts(['eu']), 'eu', 0.5).regions, ['us']);
  assert.deepEqual(chooseRegions(www, facts(['us']), 'us', 0.5).regions, ['ap']);
  assert.deepEqual(chooseRegions(www, facts(['ap']), 'ap', 0.5).regions, ['eu']);
  assert.deepEqual(chooseRegions(www, facts(['eu']), null, 0.5).regions, ['us']);
  assert.deepEqual(chooseRegions(www, facts(['eu', 'us', 'ap']), 'eu', 0.5), { regions: ['eu', 'us', 'ap'], panic: true, bySubnet: false });
});

test('weighted: shares follow weight (or capacity) among up regions', () => {
  const shop = CONFIG.names.shop!;
  const cap = CONFIG.names.cap!;
  const draw = (policy: typeof shop, down: string[] = []) => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 1000; i++) {
      const region = chooseRegions(policy, facts(down), null, (i + 0.5) / 1000).regions[0]!;
      counts.set(region, (counts.get(region) ?? 0) + 1);
    }
    return Object.fromEntries(counts);
  };
  assert.deepEqual(draw(shop), { eu: 750, us: 250 });
  assert.deepEqual(draw(cap), { eu: 250, us: 750 });
  assert.deepEqual(draw(shop, ['eu']), { us: 1000 });
  assert.equal(chooseRegions(shop, facts(), 'eu', 0.1).bySubnet, false);
});

test('failover: the first up region of the order', () => {
  const api = CONFIG.names.api!;
  assert.deepEqual(chooseRegions(api, facts(), 'eu', 0.5).regions, ['us']);
  assert.deepEqual(chooseRegions(api, facts(['us']), 'us', 0.5).regions, ['eu']);
});

test('zone: SOA and NS at the apex, A/AAAA by family with the scope, [] for other types, null outside', () => {
  const map = new ClientMap(Object.entries(CONFIG.regions).map(([name, r]) => ({ name, clients: r.clients })));
  const zone = new Zone(CONFIG, map, () => facts());
  const eu = parseClient('10.1.2.0/24');
  const apex = zone.lookup('EXAMPLE.test.', 'ANY', eu)!;
  assert.deepEqual(
    apex.map((r) => r.qtype),
    ['SOA', 'NS'],
  );
  assert.match(apex[0]!.content, /^ns1\.example\.test\. hostmaster\.example\.test\. \d+ 3600 600 604800 30$/);
  const any = zone.lookup('www.example.test.', 'ANY', eu)!;
  assert.deepEqual(
    any.map((r) => [r.qtype, r.content, r.scopeMask, r.ttl]),
    [
      ['A', '192.0.2.10', 24, 30],
      ['AAAA', '2001:db8::10', 24, 30],
    ],
  );
  assert.deepEqual(
    zone.lookup('www.example.test.', 'AAAA', eu)!.map((r) => r.content),
    ['2001:db8::10'],
  );
  assert.deepEqual(zone.lookup('www.example.test.', 'MX', eu), []);
  assert.deepEqual(zone.lookup('nope.example.test.', 'A', eu), []);
  assert.equal(zone.lookup('www.example.org.', 'A', eu), null);
  const api = zone.lookup('api.example.test.', 'A', eu)!;
  assert.deepEqual(
    api.map((r) => [r.content, r.scopeMask, r.ttl]),
    [['198.51.100.10', 0, 5]],
  );
});

test('clients from the remote backend headers: ECS subnet, plain address, interface suffix', () => {
  assert.deepEqual(parseClient('10.1.0.0/16'), { ip: '10.1.0.0', bits: 16 });
  assert.deepEqual(parseClient('127.0.0.1'), { ip: '127.0.0.1', bits: 32 });
  assert.deepEqual(parseClient('fe80::1%eth0/64'), { ip: 'fe80::1', bits: 64 });
  assert.deepEqual(parseClient('garbage'), { ip: '0.0.0.0', bits: 32 });
});

test('the printed config (check --print) loads again to the same gslb', async () => {
  const { printableConfig } = await import('../../src/config/print.js');
  const { stringify } = await import('yaml');
  const text = yaml`
    gslb:
      zone: example.test
      ttl: 1m
      regions:
        eu: { answer: [192.0.2.10], clients: [10.1.0.0/16], check: { url: "http://127.0.0.2:8080/readyz?deep=1", interval: 3s } }
        us: { answer: [198.51.100.10], capacity: 50 }
      names:
        www: { policy: failover, ttl: 10s }
  `;
  const first = parseConfigText(text, 'a.yaml');
  assert.ok(first.ok);
  const printed = stringify(printableConfig(first.config));
  assert.match(printed, /url: http:\/\/127\.0\.0\.2:8080\/readyz\?deep=1/);
  assert.match(printed, /interval: 3s/);
  const again = parseConfigText(printed, 'b.yaml');
  assert.ok(again.ok, again.ok ? '' : again.errors.map((e) => e.message).join('\n'));
  assert.deepEqual(again.config.gslb, first.config.gslb);
});

test('config errors carry the file and line', async () => {
  const { formatConfigError } = await import('../../src/config/index.js');
  const result = parseConfigText(
    'gslb:\n  zone: example.test\n  ttl: 30 secs\n  regions:\n    eu: { answer: [192.0.2.10], clients: [10.1.0.0/33] }\n  names:\n    www: { policy: geo, regions: [eu, us] }\n',
    'bad.yaml',
  );
  assert.equal(result.ok, false);
  assert.deepEqual(result.ok ? [] : result.errors.map(formatConfigError), [
    'bad.yaml:3:8 gslb.ttl: expected a duration like "5s" or "250ms", got "30 secs"',
    'bad.yaml:5:43 gslb.regions.eu.clients[0]: expected a CIDR like "10.0.0.0/8" or an IP address, got "10.1.0.0/33"',
    "bad.yaml:7:39 gslb.names.www.regions[1]: unknown region 'us'; defined: eu",
  ]);
});
