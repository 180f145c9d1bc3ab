// The properties every algorithm owes its callers, checked for each one by name.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ALGORITHMS } from '../../src/config/types.js';
import { implementedAlgorithms } from '../../src/balancing/registry.js';
import { Service } from '../../src/pool/service.js';
import type { Backend } from '../../src/pool/backend.js';
import { backends, ctx, make, serviceConfig, start } from './helpers.js';

const keys = Array.from({ length: 50 }, (_, i) => `198.51.100.${i}`);

describe('every algorithm', () => {
  it('is registered under its name', () => {
    assert.deepEqual([...implementedAlgorithms()].sort(), [...ALGORITHMS].sort());
  });

  for (const name of ALGORITHMS) {
    describe(name, () => {
      it('returns undefined for an empty set', () => {
        const balancer = make(name, []);
        assert.equal(balancer.name, name);
        assert.equal(balancer.pick(ctx(), []), undefined);
      });

      it('returns undefined when every backend is unavailable, and recovers', () => {
        const list = backends([1, 2, 3]);
        const balancer = make(name, list);
        for (const key of keys) assert.ok(balancer.pick(ctx(key), []));
        for (const b of list) b.healthy = false;
        for (const key of keys) assert.equal(balancer.pick(ctx(key), []), undefined);
        list[1]!.healthy = true;
        for (const key of keys) assert.equal(balancer.pick(ctx(key), []), list[1]);
      });

      it('never picks a backend of weight 0 or one that is down or draining', () => {
        const list = backends([1, 0, 2, 1, 1]);
        list[3]!.healthy = false;
        list[4]!.draining = true;
        const balancer = make(name, list);
        for (let i = 0; i < 2000; i++) {
          const b = balancer.pick(ctx(`10.1.${i >> 8}.${i & 255}`), [])!;
          assert.ok(b === list[0] || b === list[2], `picked ${b.id}`);
        }
      });

      it('respects tried: each backend once, then undefined', () => {
        const list = backends([3, 1, 2, 1, 5, 1]);
        list[5]!.healthy = false;
        const balancer = make(name, list);
        for (const key of keys) {
          const tried: Backend[] = [];
          for (;;) {
            const b = balancer.pick(ctx(key), tried);
            if (!b) break;
            assert.ok(!tried.includes(b), `${b.id} picked twice for ${key}`);
            assert.notEqual(b, list[5]);
            tried.push(b);
          }
          assert.equal(tried.length, 5);
        }
      });

      it('keeps the counters of unchanged backends across a rebuild', () => {
        const service = new Service(
          serviceConfig(name, [
            ['10.0.0.1', 1],
            ['10.0.0.2', 1],
          ]),
        );
        const [a, b] = service.backends as [Backend, Backend];
        for (let i = 0; i < 3; i++) start(service.balancer, a);
        a.latencyEwma = 50;
        a.reportedLoad = 0.5;
        service.applyConfig(
          serviceConfig(name, [
            ['10.0.0.1', 1],
            ['10.0.0.2', 1],
            ['10.0.0.3', 1],
          ]),
        );
        assert.equal(service.backends[0], a);
        assert.equal(service.backends[1], b);
        assert.equal(a.active, 3);
        assert.equal(a.inflight, 3);
        assert.equal(a.latencyEwma, 50);
        assert.equal(a.reportedLoad, 0.5);
        assert.ok(service.balancer.pick(ctx(), []));
      });
    });
  }
});
