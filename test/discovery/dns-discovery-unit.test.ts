// DnsDiscovery's schedule and holds with a scripted resolver: no DNS server, no sockets.
import assert from 'node:assert/strict';
import { getServers } from 'node:dns';
import { describe, it } from 'node:test';
import { dnsDiscoverySchema } from '../../src/config/discovery-schema.js';
import type { DnsDiscoveryConfig } from '../../src/config/types.js';
import { describeChange, DnsDiscovery, nextResolutionIn } from '../../src/discovery/dns-discovery.js';
import { createResolver, type DiscoveredRecord, type Resolution } from '../../src/discovery/dns-resolve.js';
import { silentLogger } from '../../src/observe/logger.js';
import type { Backend } from '../../src/pool/backend.js';
import { Drains } from '../../src/pool/drain.js';
import { applyDiscovered } from '../../src/pool/membership.js';
import { Service } from '../../src/pool/service.js';
import { expectValid, yaml } from '../config/helpers.js';
import { until } from '../helpers/health.js';

const dnsConfig = (written: Record<string, unknown>): DnsDiscoveryConfig => dnsDiscoverySchema.parse(written);

const record = (host: string, weight = 1): DiscoveredRecord => ({ host, port: 80, weight });

describe('DnsDiscovery', () => {
  it('re-resolves at min(ttl, refresh), never faster than 1 s; refresh when DNS gives no TTL', () => {
    assert.equal(nextResolutionIn(0, 10_000), 1000);
    assert.equal(nextResolutionIn(3, 10_000), 3000);
    assert.equal(nextResolutionIn(300, 10_000), 10_000);
    assert.equal(nextResolutionIn(undefined, 10_000), 10_000);
  });

  it('an empty answer is held for hold.nx from the last good answer, then the set empties; one change per new set', async () => {
    const script: Resolution[] = [
      { result: 'ok', records: [record('10.0.0.2'), record('10.0.0.1')], ttl: 0 },
      { result: 'empty', reason: 'no addresses' },
    ];
    const sets: Array<readonly DiscoveredRecord[]> = [];
    const discovery = new DnsDiscovery(
      dnsConfig({ name: 'api.internal', port: 80, refresh: '1s', timeout: '100ms', hold: { nx: '1500ms', error: '1m' } }),
      'api',
      silentLogger,
      (records) => sets.push(records),
      async () => script[Math.min(script.length - 1, discovery.resolutions.size === 0 ? 0 : 1)]!,
    );
    try {
      await discovery.start();
      assert.deepEqual(
        sets[0]!.map((r) => r.host),
        ['10.0.0.1', '10.0.0.2'],
        'sorted, so the same answer in another order is no change',
      );
      await until(() => sets.length === 2, 4000, 'the hold to end');
      const held = Date.now() - discovery.lastGoodAt;
      assert.ok(held >= 1495 && held < 2500, `held ${held} ms`);
      assert.deepEqual(sets[1], []);
      assert.ok(discovery.resolutions.get('empty')! >= 1);
    } finally {
      discovery.stop();
    }
  });

  it('describes a change: added, removed, re-weighted; null when the set is the same', () => {
    assert.equal(describeChange([record('10.0.0.1')], [record('10.0.0.1')]), null);
    assert.deepEqual(describeChange([record('10.0.0.1'), record('10.0.0.2', 2)], [record('10.0.0.2', 5), record('10.0.0.3')]), {
      added: ['10.0.0.3:80'],
      removed: ['10.0.0.1:80'],
      reweighted: ['10.0.0.2:80 2 → 5'],
    });
  });
});

describe('createResolver', () => {
  it("asks the configured servers, or the system's (/etc/resolv.conf) when none are set", () => {
    assert.deepEqual(createResolver(dnsConfig({ name: 'a.internal', port: 80, resolvers: ['127.0.0.1:5353', '[::1]:53'] })).getServers(), ['127.0.0.1:5353', '::1']); // port 53 is left out
    assert.deepEqual(createResolver(dnsConfig({ name: 'a.internal', port: 80 })).getServers(), getServers());
  });
});

describe('a service with discovered backends', () => {
  it('lists the config first; an address both give stays the config’s; a new set keeps the objects of kept addresses and re-weights them in place', () => {
    const config = expectValid(
      yaml(
        'listeners:',
        '  - { name: web, address: 127.0.0.1:0, routes: [ { service: api } ] }',
        'services:',
        '  api:',
        '    backends: [ { address: 10.0.0.1:80 } ]',
        '    discovery: { dns: { name: api.internal, port: 80 } }',
      ),
    );
    const service = new Service(config.services.get('api')!);
    const drains = new Drains();
    const found = (host: string, weight = 1) => ({ address: { host, port: 80 }, weight, maxConnections: 0 });
    service.discoverySource = 'dns:api.internal';
    applyDiscovered(service, [found('10.0.0.1', 7), found('10.0.0.2')], drains);
    assert.deepEqual(
      service.backends.map((b) => [b.id, b.weight, b.source]),
      [
        ['10.0.0.1:80', 1, undefined],
        ['10.0.0.2:80', 1, 'dns:api.internal'],
      ],
    );
    const [fromConfig, two] = service.backends as [Backend, Backend];
    applyDiscovered(service, [found('10.0.0.2', 5), found('10.0.0.3')], drains);
    assert.equal(service.backends[0], fromConfig, 'DNS dropping it does not touch the config’s backend');
    assert.equal(service.backends[1], two);
    assert.equal(two.weight, 5);
    assert.equal(fromConfig.draining, false);
    applyDiscovered(service, [], drains);
    assert.deepEqual(
      service.backends.map((b) => b.id),
      ['10.0.0.1:80'],
    );
    assert.equal(two.draining, true, 'gone from DNS: it drains');
    drains.closeAll();
  });
});
