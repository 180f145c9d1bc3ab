import type { AlgorithmName } from '../config/types.js';
import type { BalancerFactory } from './balancer.js';
import { RoundRobin } from './round-robin.js';
import { SmoothWeightedRoundRobin } from './weighted-round-robin.js';

/** Every algorithm by the name users write in a service's `algorithm` field. */
const factories: Partial<Record<AlgorithmName, BalancerFactory>> = {
  'round-robin': (backends) => new RoundRobin(backends),
  'weighted-round-robin': (backends) => new SmoothWeightedRoundRobin(backends),
};

export function balancerFactory(name: AlgorithmName): BalancerFactory {
  const factory = factories[name];
  if (!factory) throw new Error(`balancing algorithm '${name}' is not implemented yet`);
  return factory;
}

export function implementedAlgorithms(): AlgorithmName[] {
  return Object.keys(factories) as AlgorithmName[];
}
