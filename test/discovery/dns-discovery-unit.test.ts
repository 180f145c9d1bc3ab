// DnsDiscovery's schedule and holds with a scripted resolver: no DNS server, no sockets.
import assert from 'node:assert/strict';
import { getServers } from 'node:dns';
import { describe, it } from 'node:test';
import { dnsDiscoverySchema } from '../../src/config/discovery-schema.js';
import type { DnsDiscoveryConfig } from '../../src/config/types.js';
import { describeChange, DnsDiscovery, nextResolutionIn } from '../../src/discovery/dns-discovery.js';
import { createResolver, type DiscoveredRecord, type Resolution } from '../../src/discovery/dns-resolve.js';
import { silentLogger } from '../../src/observe/logger.js';
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
      assert.ok(held >= 1500 && held < 2000, `held ${held} ms`);
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
