// Fulcrum as a library: load a config, start a balancer, read its state.
export { Fulcrum, type StartOptions } from './fulcrum.js';
export type * from './config/types.js';
export { Backend } from './pool/backend.js';
export { Service } from './pool/service.js';
export type { Balancer, BalancerFactory, PickContext, Outcome } from './balancing/balancer.js';
