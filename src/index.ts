// Fulcrum as a library (docs/library.md): `start()` a balancer from a config, with your own
// algorithms and middlewares; the types of the config, the Balancer contract and the middleware API.
export { start, type StartOptions, type RunningFulcrum, type ReloadSummary } from './library/start.js';
export { ConfigError, type ConfigProblem } from './library/config-error.js';
export type { ConfigObject, ConfigSource } from './library/config-source.js';
export type { BackendSnapshot, ServiceSnapshot } from './library/snapshot.js';
export type { Balancer, BalancerFactory, BalancerOptions, PickContext, Outcome } from './balancing/balancer.js';
export { isEligible, wasTried } from './balancing/balancer.js';
export type { HeaderView, LocalResponse, Middleware, MiddlewareContext, MiddlewareFactory, RequestView, ResponseView } from './http/middleware/custom-api.js';
export type { MaybePromise } from './state/state-store.js';
export type { Logger } from './observe/logger.js';
// lower level, less stable: the balancer object itself and its parts
export { Fulcrum } from './fulcrum.js';
export type * from './config/types.js';
export { Backend } from './pool/backend.js';
export { Service } from './pool/service.js';
