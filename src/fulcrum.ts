import type { FulcrumConfig } from './config/types.js';
import { createListener, type RunningListener } from './listener-factory.js';
import { upstreamPool } from './http/upstream/pool.js';
import { silentLogger, type Logger } from './observe/logger.js';
import { Service } from './pool/service.js';

export interface StartOptions {
  logger?: Logger;
}

/**
 * A running balancer: the services built from a config and the listeners in front of
 * them. This is what `fulcrum start` runs and what embedders and tests create.
 */
export class Fulcrum {
  readonly services = new Map<string, Service>();
  private readonly listeners = new Map<string, RunningListener>();
  private readonly addresses = new Map<string, { host: string; port: number }>();

  private constructor(
    readonly config: FulcrumConfig,
    readonly logger: Logger,
  ) {}

  static async start(config: FulcrumConfig, options: StartOptions = {}): Promise<Fulcrum> {
    const fulcrum = new Fulcrum(config, options.logger ?? silentLogger);
    await fulcrum.build();
    return fulcrum;
  }

  /** The address a listener is bound to (the real port when the config said 0). */
  address(listenerName: string): { host: string; port: number } {
    const address = this.addresses.get(listenerName);
    if (!address) throw new Error(`no listener named '${listenerName}'`);
    return address;
  }

  url(listenerName: string): string {
    const { host, port } = this.address(listenerName);
    return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  }

  async close(): Promise<void> {
    await Promise.all([...this.listeners.values()].map((listener) => listener.close()));
    for (const service of this.services.values()) {
      service.stopHealth();
      for (const backend of service.backends) upstreamPool(backend, service.config.keepAlive).closeAll();
    }
  }

  private async build(): Promise<void> {
    const { config, logger } = this;
    for (const serviceConfig of config.services.values()) {
      this.services.set(serviceConfig.name, new Service(serviceConfig));
    }
    for (const service of this.services.values()) service.startHealth(logger);
    try {
      for (const listenerConfig of config.listeners) {
        const listener = createListener(listenerConfig, this.services, logger);
        const bound = await listener.listen();
        this.listeners.set(listenerConfig.name, listener);
        this.addresses.set(listenerConfig.name, { host: bound.address, port: bound.port });
        logger.info({ listener: listenerConfig.name, address: `${bound.address}:${bound.port}` }, 'listening');
      }
    } catch (error) {
      await this.close();
      throw error;
    }
  }
}
