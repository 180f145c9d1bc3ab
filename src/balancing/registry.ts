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

/** Every algorithm by the name users write in a service's `algorithm` field. */
const factories: Record<AlgorithmName, BalancerFactory> = {
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

export function balancerFactory(name: AlgorithmName): BalancerFactory {
  const factory = factories[name];
  if (!factory) throw new Error(`balancing algorithm '${name}' is not implemented yet`);
  return factory;
}

export function implementedAlgorithms(): AlgorithmName[] {
  return Object.keys(factories) as AlgorithmName[];
}
