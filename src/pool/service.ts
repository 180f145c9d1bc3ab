import type { ServiceConfig } from '../config/types.js';
import type { Balancer, BalancerOptions } from '../balancing/balancer.js';
import { balancerFactory } from '../balancing/registry.js';
import { compileHashKey, type HashKeyFunction } from '../balancing/hash-key.js';
import { Backend } from './backend.js';

/**
 * A named pool of backends and the algorithm that chooses among them. Membership
 * changes rebuild the balancer; Backend objects whose address is unchanged are kept,
 * with their counters and health.
 */
export class Service {
  readonly name: string;
  config: ServiceConfig;
  backends: Backend[] = [];
  balancer!: Balancer;
  /** computes a request's hash key, for algorithms that use one */
  hashKey!: HashKeyFunction;
  /** the algorithm weighs backends by the load they report in X-Backend-Load */
  readsLoadReports = false;
  private readonly random: () => number;

  constructor(config: ServiceConfig, random: () => number = Math.random) {
    this.name = config.name;
    this.config = config;
    this.random = random;
    this.applyConfig(config);
  }

  /** Adopt a new config for this service, keeping the Backend objects of unchanged addresses. */
  applyConfig(config: ServiceConfig): void {
    const previous = new Map(this.backends.map((b) => [b.id, b]));
    const next: Backend[] = [];
    for (const backendConfig of config.backends) {
      const fresh = new Backend(backendConfig);
      const kept = previous.get(fresh.id);
      if (kept) {
        kept.weight = backendConfig.weight;
        kept.maxConnections = backendConfig.maxConnections;
        next.push(kept);
      } else {
        next.push(fresh);
      }
    }
    this.config = config;
    this.backends = next;
    this.hashKey = compileHashKey(config.hashKey);
    this.readsLoadReports = config.algorithm === 'resource';
    this.rebuildBalancer();
  }

  rebuildBalancer(): void {
    const options: BalancerOptions = {
      choices: this.config.choices,
      hashBalanceFactor: this.config.hashBalanceFactor,
      random: this.random,
    };
    this.balancer = balancerFactory(this.config.algorithm)(this.backends, options);
  }
}
