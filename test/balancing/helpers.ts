import { Backend } from '../../src/pool/backend.js';
import type { Balancer, BalancerOptions, PickContext } from '../../src/balancing/balancer.js';
import { balancerFactory } from '../../src/balancing/registry.js';
import type { AlgorithmName, ServiceConfig } from '../../src/config/types.js';

export function backend(id: string, weight = 1): Backend {
  const [host, port] = id.includes(':') ? id.split(':') : [id, '80'];
  return new Backend({ address: { host: host!, port: Number(port) }, weight, maxConnections: 0 });
}

/** backends named b0, b1, … with the given weights */
export function backends(weights: number[], prefix = 'b'): Backend[] {
  return weights.map((w, i) => backend(`${prefix}${i}`, w));
}

/** mulberry32: a small seeded PRNG so every run draws the same numbers */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function options(overrides: Partial<BalancerOptions> = {}): BalancerOptions {
  return { choices: 2, hashBalanceFactor: 0, random: seeded(42), ...overrides };
}

export function make(name: AlgorithmName, list: readonly Backend[], overrides: Partial<BalancerOptions> = {}): Balancer {
  return balancerFactory(name)(list, options(overrides));
}

export function ctx(key = '10.0.0.1', clientIp = key): PickContext {
  return { clientIp, key };
}

/** What the data path does: raise the counters, then tell the balancer. */
export function start(balancer: Balancer, b: Backend): void {
  b.begin();
  balancer.onStart?.(b);
}

export function end(balancer: Balancer, b: Backend, latencyMs = 1, outcome: 'success' | 'failure' = 'success'): void {
  b.finish();
  balancer.onEnd?.(b, outcome, latencyMs);
}

/** counts of picks per backend id over `n` picks (no counters move) */
export function shares(balancer: Balancer, n: number, keyOf: (i: number) => string = () => 'k'): Map<string, number> {
  const counts = new Map<string, number>();
  const c = ctx();
  for (let i = 0; i < n; i++) {
    c.key = keyOf(i);
    c.clientIp = c.key;
    const b = balancer.pick(c, [])!;
    counts.set(b.id, (counts.get(b.id) ?? 0) + 1);
  }
  return counts;
}

export function serviceConfig(algorithm: AlgorithmName, addresses: Array<[string, number]>): ServiceConfig {
  return {
    name: 'svc',
    algorithm,
    hashKey: 'client-ip',
    hashBalanceFactor: 0,
    choices: 2,
    backends: addresses.map(([host, weight]) => ({ address: { host, port: 80 }, weight, maxConnections: 0 })),
    timeouts: { connect: 1000, response: 1000, idle: 1000, tunnelIdle: 1000 },
    drainTimeout: 1000,
    retries: { attempts: 1, on: ['connect-failure'] },
    keepAlive: { maxIdle: 1, idleTimeout: 1000 },
  };
}
