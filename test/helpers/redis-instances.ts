// Two Fulcrum instances on one redis-server, for the shared-state tests: the same config (a
// rate-limited route, a cookie-sticky and a client-IP-sticky service over three named backends)
// with `state: { store: redis }`, each with a log a test can read.
import { parseConfigText, formatConfigError } from '../../src/config/index.js';
import { Fulcrum } from '../../src/fulcrum.js';
import { captureLogger } from './capture-logger.js';
import { type NamedBackend, startNamedBackend } from './named-backends.js';
import { parseExposition, sampleValue } from './prometheus-format.js';
import { yaml } from './fulcrum.js';

export interface Instance {
  fulcrum: Fulcrum;
  port: number;
  /** the process log lines that tell of the state store */
  stateLines(): string[];
}

export async function startBackends(): Promise<NamedBackend[]> {
  const backends: NamedBackend[] = [];
  for (const name of ['a', 'b', 'c']) backends.push(await startNamedBackend(name));
  return backends;
}

export function sharedConfig(redisUrl: string, backends: readonly NamedBackend[], state = ''): string {
  const list = backends.map((b) => `{ address: ${b.address} }`).join(', ');
  return yaml`
    listeners:
      - name: web
        address: 127.0.0.1:0
        routes:
          - { match: { pathPrefix: /limited/ }, middlewares: [burst10], service: plain }
          - { match: { pathPrefix: /user/ }, middlewares: [per-user], service: plain }
          - { match: { pathPrefix: /ip/ }, service: byIp }
          - { match: { pathPrefix: /conn/ }, middlewares: [two-connections], service: plain }
          - { match: { pathPrefix: /plain/ }, service: plain }
          - service: byCookie
    services:
      plain:
        backends: [ ${list} ]
      byCookie:
        backends: [ ${list} ]
        sticky: { cookie: { name: FULCRUM_SRV } }
      byIp:
        backends: [ ${list} ]
        sticky: { clientIp: { ttl: 10m } }
    middlewares:
      burst10: { rateLimit: { rate: 1/h, burst: 10 } }
      per-user: { rateLimit: { rate: 1/h, burst: 4, key: "header:x-user" } }
      two-connections: { rateLimit: { maxConnectionsPerClient: 2 } }
    state: { store: redis, url: "${redisUrl}", timeout: 50ms ${state} }
    log: { level: info }
  `;
}

export async function startInstance(text: string): Promise<Instance> {
  const parsed = parseConfigText(text, 'shared.yaml');
  if (!parsed.ok) throw new Error(parsed.errors.map(formatConfigError).join('\n'));
  const { logger, lines } = captureLogger();
  const fulcrum = await Fulcrum.start(parsed.config, { logger });
  return {
    fulcrum,
    port: fulcrum.address('web').port,
    stateLines: () =>
      lines()
        .map((l) => String(l.msg))
        .filter((msg) => msg.startsWith('state store')),
  };
}

/** fulcrum_state_store_up and fulcrum_state_store_errors_total of an instance. */
export async function storeMetrics(fulcrum: Fulcrum): Promise<{ up: number | undefined; errors: number | undefined }> {
  const exposition = parseExposition(await fulcrum.metrics());
  return {
    up: sampleValue(exposition, 'fulcrum_state_store_up', { store: 'redis' }),
    errors: sampleValue(exposition, 'fulcrum_state_store_errors_total', { store: 'redis' }),
  };
}

/** Resolves once `condition` holds (checked on every store status change the test can see: a short poll, bounded). */
export async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
