// `start()`: Fulcrum embedded in a program, in this process (one worker), with the embedder's own
// algorithms and middlewares registered by name for the config to use.
import { AdminServer } from '../admin/server.js';
import type { BalancerFactory } from '../balancing/balancer.js';
import { AlgorithmRegistry } from '../balancing/registry.js';
import type { ConfigExtensions } from '../config/extensions.js';
import { Fulcrum, type ReloadResult } from '../fulcrum.js';
import type { MiddlewareFactory } from '../http/middleware/custom-api.js';
import { silentLogger, type Logger } from '../observe/logger.js';
import { ConfigError } from './config-error.js';
import { readConfigSource, type ConfigSource } from './config-source.js';
import { serviceSnapshot, type ServiceSnapshot } from './snapshot.js';

export interface StartOptions {
  /** a file path, YAML/JSON text, or an object of the same shape as the YAML file */
  config: ConfigSource;
  /** algorithms a service's `algorithm` may name, beside the built-in ones */
  algorithms?: Readonly<Record<string, BalancerFactory>>;
  /** middlewares a `custom: { name }` entry of `middlewares:` may name */
  middlewares?: Readonly<Record<string, MiddlewareFactory>>;
  /** a pino logger for the process log; default: silent */
  logger?: Logger;
  /** also serve the admin API (REST, /metrics, dashboard) on the config's `admin.address`; default false */
  admin?: boolean;
}

/** What a successful reload changed (names of listeners and services). */
export type ReloadSummary = Extract<ReloadResult, { ok: true }>;

/** A running Fulcrum. */
export interface RunningFulcrum {
  /**
   * Validate and swap to a new config (default: the one it was started with, read again). Throws a
   * ConfigError when it does not validate, an Error when it cannot be applied; the running config
   * then keeps serving.
   */
  reload(config?: ConfigSource): Promise<ReloadSummary>;
  /** Close every listener, client and upstream connection (and the admin API). */
  close(): Promise<void>;
  /** Every service with its backends as they are now. */
  services(): ServiceSnapshot[];
  service(name: string): ServiceSnapshot | undefined;
  /** The names of the running listeners. */
  listeners(): string[];
  /** Where a listener is bound (the real port when the config said 0). */
  address(listener: string): { host: string; port: number };
  /** "http://host:port" of a listener. */
  url(listener: string): string;
  /** The Prometheus text exposition, as /metrics serves it. */
  metrics(): Promise<string>;
  /** "http://host:port" of the admin API when started with `admin: true`, else null. */
  adminUrl(): string | null;
}

export async function start(options: StartOptions): Promise<RunningFulcrum> {
  const algorithms = new AlgorithmRegistry(options.algorithms ?? {});
  const middlewares = new Map(Object.entries(options.middlewares ?? {}));
  for (const [name, factory] of middlewares) {
    if (typeof factory !== 'function') throw new TypeError(`middleware '${name}': expected a factory function`);
  }
  const extensions: ConfigExtensions = { algorithms: algorithms.names(), middlewares: [...middlewares.keys()] };
  const loaded = await readConfigSource(options.config, extensions);
  if (!loaded.ok) throw new ConfigError(loaded.errors);
  const fulcrum = await Fulcrum.start(loaded.config, { logger: options.logger ?? silentLogger, algorithms, middlewares });
  const running = new EmbeddedFulcrum(fulcrum, options.config);
  if (options.admin === true) await running.serveAdmin();
  return running;
}

class EmbeddedFulcrum implements RunningFulcrum {
  private admin: AdminServer | null = null;

  constructor(
    private readonly fulcrum: Fulcrum,
    /** what `reload()` reads again */
    private source: ConfigSource,
  ) {}

  async serveAdmin(): Promise<void> {
    const admin = new AdminServer(this.fulcrum, { reload: () => this.reloadResult(this.source) });
    try {
      await admin.listen();
    } catch (error) {
      await this.fulcrum.close();
      throw error;
    }
    this.admin = admin;
  }

  async reload(config: ConfigSource = this.source): Promise<ReloadSummary> {
    const loaded = await readConfigSource(config, this.fulcrum.extensions);
    if (!loaded.ok) throw new ConfigError(loaded.errors);
    const result = await this.fulcrum.reload(loaded.config);
    if (!result.ok) throw new Error(`reload refused, the running config keeps serving:\n${result.errors.map((e) => '  ' + e).join('\n')}`);
    this.source = config;
    return result;
  }

  /** The admin API's POST /reload: the same, as a result rather than a throw. */
  private async reloadResult(config: ConfigSource): Promise<ReloadResult> {
    try {
      return await this.reload(config);
    } catch (error) {
      return { ok: false, errors: error instanceof ConfigError ? [...error.messages] : [(error as Error).message] };
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.fulcrum.close(), this.admin?.close()]);
  }

  services(): ServiceSnapshot[] {
    return [...this.fulcrum.services.values()].map((service) => serviceSnapshot(service, this.fulcrum.drains));
  }

  service(name: string): ServiceSnapshot | undefined {
    const service = this.fulcrum.services.get(name);
    return service === undefined ? undefined : serviceSnapshot(service, this.fulcrum.drains);
  }

  listeners(): string[] {
    return this.fulcrum.listenerNames();
  }

  address(listener: string): { host: string; port: number } {
    return this.fulcrum.address(listener);
  }

  url(listener: string): string {
    return this.fulcrum.url(listener);
  }

  metrics(): Promise<string> {
    return this.fulcrum.metrics();
  }

  adminUrl(): string | null {
    if (this.admin === null) return null;
    const { address, port } = this.admin.address();
    return `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
  }
}
