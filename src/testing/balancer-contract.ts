// The properties every balancing algorithm owes its callers, as plain checks anyone can run on
// their own BalancerFactory: each throws an AssertionError (node:assert) when the property fails.
// No test runner is needed; hand `test` (node:test's `it`, vitest's, jest's) to get one test each.
import assert from 'node:assert/strict';
import type { BalancerFactory, BalancerOptions, PickContext } from '../balancing/balancer.js';
import { AlgorithmRegistry } from '../balancing/registry.js';
import type { ServiceConfig } from '../config/types.js';
import { Backend } from '../pool/backend.js';
import { Service } from '../pool/service.js';

export interface BalancerProperty {
  readonly name: string;
  /** throws when the property does not hold */
  check(): void;
}

export interface BalancerCheckOptions {
  /** the name the balancer reports (`balancer.name`); checked when given */
  name?: string;
  /** a test registrar, e.g. node:test's `it`: each property becomes a test instead of running now */
  test?: (name: string, fn: () => void) => unknown;
  /** options the factory gets (defaults: two choices, unbounded hashing, a seeded random) */
  options?: Partial<BalancerOptions>;
}

const KEYS = Array.from({ length: 50 }, (_, i) => `198.51.100.${i}`);

/** The properties of `factory`, to run one by one. */
export function balancerProperties(factory: BalancerFactory, options: BalancerCheckOptions = {}): BalancerProperty[] {
  const make = (list: readonly Backend[]) => factory(list, factoryOptions(options.options));
  return [
    {
      name: 'returns undefined for an empty set',
      check() {
        const balancer = make([]);
        if (options.name !== undefined) assert.equal(balancer.name, options.name, 'balancer.name');
        assert.equal(balancer.pick(context(), []), undefined);
      },
    },
    {
      name: 'returns undefined when every backend is unavailable, and recovers',
      check() {
        const list = backends([1, 2, 3]);
        const balancer = make(list);
        for (const key of KEYS) assert.ok(balancer.pick(context(key), []), `no pick for ${key} with every backend up`);
        for (const b of list) b.healthy = false;
        for (const key of KEYS) assert.equal(balancer.pick(context(key), []), undefined, 'picked a backend that is down');
        list[1]!.healthy = true;
        for (const key of KEYS) assert.equal(balancer.pick(context(key), []), list[1], 'did not pick the one backend back up');
      },
    },
    {
      name: 'never picks a backend of weight 0 or one that is down or draining',
      check() {
        const list = backends([1, 0, 2, 1, 1]);
        list[3]!.healthy = false;
        list[4]!.draining = true;
        const balancer = make(list);
        for (let i = 0; i < 2000; i++) {
          const b = balancer.pick(context(`10.1.${i >> 8}.${i & 255}`), []);
          assert.ok(b === list[0] || b === list[2], `picked ${b?.id ?? 'nothing'}`);
        }
      },
    },
    {
      name: 'respects tried: each available backend once, then undefined',
      check() {
        const list = backends([3, 1, 2, 1, 5, 1]);
        list[5]!.healthy = false;
        const balancer = make(list);
        for (const key of KEYS) {
          const tried: Backend[] = [];
          for (;;) {
            const b = balancer.pick(context(key), tried);
            if (!b) break;
            assert.ok(!tried.includes(b), `${b.id} picked twice for ${key}`);
            assert.notEqual(b, list[5], 'picked the backend that is down');
            tried.push(b);
            assert.ok(tried.length <= 5, 'picked more backends than are available');
          }
          assert.equal(tried.length, 5, `for ${key}: every available backend once`);
        }
      },
    },
    {
      name: 'keeps working across a rebuild, with the counters of unchanged backends',
      check() {
        const registry = new AlgorithmRegistry({ 'under-test': factory });
        const service = new Service(serviceConfig(['10.0.0.1', '10.0.0.2']), Math.random, null, registry);
        const [a, b] = service.backends as [Backend, Backend];
        for (let i = 0; i < 3; i++) service.startOn(a);
        a.latencyEwma = 50;
        a.reportedLoad = 0.5;
        service.applyConfig(serviceConfig(['10.0.0.1', '10.0.0.2', '10.0.0.3']));
        assert.equal(service.backends[0], a);
        assert.equal(service.backends[1], b);
        assert.equal(a.active, 3);
        assert.equal(a.inflight, 3);
        assert.equal(a.latencyEwma, 50);
        assert.equal(a.reportedLoad, 0.5);
        assert.ok(service.balancer.pick(context(), []), 'no pick after the rebuild');
        for (let i = 0; i < 3; i++) service.endOn(a, 'success', 1, 200);
        assert.equal(a.active, 0);
      },
    },
  ];
}

/**
 * Check `factory` against every property: with `options.test`, one test each; without, all of them
 * now, throwing an AggregateError that lists every property that failed.
 */
export function checkBalancer(factory: BalancerFactory, options: BalancerCheckOptions = {}): void {
  const properties = balancerProperties(factory, options);
  const test = options.test;
  if (test !== undefined) {
    for (const property of properties) test(property.name, () => property.check());
    return;
  }
  const failures: Error[] = [];
  for (const property of properties) {
    try {
      property.check();
    } catch (error) {
      failures.push(new Error(`${property.name}: ${error instanceof Error ? error.message : String(error)}`, { cause: error }));
    }
  }
  if (failures.length > 0) throw new AggregateError(failures, `balancer fails ${failures.length} of ${properties.length} properties:\n${failures.map((f) => '  ' + f.message).join('\n')}`);
}

function backends(weights: number[]): Backend[] {
  return weights.map((weight, i) => new Backend({ address: { host: `b${i}`, port: 80 }, weight, maxConnections: 0 }));
}

function context(key = '10.0.0.1'): PickContext {
  return { clientIp: key, key };
}

/** mulberry32: repeatable draws */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function factoryOptions(overrides: Partial<BalancerOptions> = {}): BalancerOptions {
  return { choices: 2, hashBalanceFactor: 0, random: seeded(42), ...overrides };
}

function serviceConfig(hosts: string[]): ServiceConfig {
  return {
    name: 'under-test',
    algorithm: 'under-test',
    hashKey: 'client-ip',
    hashBalanceFactor: 0,
    choices: 2,
    backends: hosts.map((host) => ({ address: { host, port: 80 }, weight: 1, maxConnections: 0 })),
    timeouts: { connect: 1000, response: 1000, idle: 1000, tunnelIdle: 1000 },
    drainTimeout: 1000,
    retries: { attempts: 1, on: ['connect-failure'] },
    keepAlive: { maxIdle: 1, idleTimeout: 1000 },
  };
}
