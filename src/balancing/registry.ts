import type { AlgorithmName } from '../config/enums.js';
import type { BalancerFactory } from './balancer.js';
import { ConsistentHash } from './consistent-hash.js';
import { IpHash } from './ip-hash.js';
import { LeastConnections } from './least-connections.js';
import { LeastRequests } from './least-requests.js';
import { LeastResponseTime } from './least-response-time.js';
import { Maglev } from './maglev.js';
import { PowerOfTwoChoices } from './power-of-two.js';
import { RandomBalancer } from './random.js';
import { ResourceBalancer } from './resource.js';
import { RoundRobin } from './round-robin.js';
import { SmoothWeightedRoundRobin } from './weighted-round-robin.js';

/** Every built-in algorithm by the name users write in a service's `algorithm` field. */
const builtIn: Record<AlgorithmName, BalancerFactory> = {
  'round-robin': (backends) => new RoundRobin(backends),
  'weighted-round-robin': (backends) => new SmoothWeightedRoundRobin(backends),
  'least-connections': (backends) => new LeastConnections(backends),
  'least-requests': (backends) => new LeastRequests(backends),
  'least-response-time': (backends, options) => new LeastResponseTime(backends, options),
  random: (backends, options) => new RandomBalancer(backends, options),
  'power-of-two': (backends, options) => new PowerOfTwoChoices(backends, options),
  'ip-hash': (backends, options) => new IpHash(backends, options),
  'consistent-hash': (backends, options) => new ConsistentHash(backends, options),
  maglev: (backends, options) => new Maglev(backends, options),
  resource: (backends, options) => new ResourceBalancer(backends, options),
};

/**
 * The algorithms one Fulcrum knows: the built-in ones and those its embedder registered
 * (`start({ algorithms })`). Every balancer a Service builds (at load, on reload, on an admin
 * change or a drain) comes from its Fulcrum's registry, so a registered choice survives them all.
 */
export class AlgorithmRegistry {
  private readonly factories: ReadonlyMap<string, BalancerFactory>;

  constructor(custom: Readonly<Record<string, BalancerFactory>> = {}) {
    const factories = new Map<string, BalancerFactory>(Object.entries(builtIn));
    for (const [name, factory] of Object.entries(custom)) {
      if (factories.has(name)) throw new Error(`algorithm '${name}' is built in; register yours under another name`);
      if (typeof factory !== 'function') throw new TypeError(`algorithm '${name}': expected a BalancerFactory function`);
      factories.set(name, factory);
    }
    this.factories = factories;
  }

  factory(name: string): BalancerFactory {
    const factory = this.factories.get(name);
    if (factory === undefined) throw new Error(`balancing algorithm '${name}' is not registered`);
    return factory;
  }

  /** Built-in and registered names, built-in first. */
  names(): string[] {
    return [...this.factories.keys()];
  }
}

/** The registry of a Fulcrum that registered nothing. */
export const builtInAlgorithms = new AlgorithmRegistry();

export function balancerFactory(name: AlgorithmName): BalancerFactory {
  return builtInAlgorithms.factory(name);
}

export function implementedAlgorithms(): AlgorithmName[] {
  return Object.keys(builtIn) as AlgorithmName[];
}
