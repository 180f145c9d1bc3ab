// Shared by the discovery tests: a Fulcrum started from YAML with a log a test reads, and the config
// of one http listener in front of a service `api` that discovers its backends from a dnsmasq.
import { formatConfigError, parseConfigText } from '../../src/config/index.js';
import { Fulcrum } from '../../src/fulcrum.js';
import { captureLogger } from '../helpers/capture-logger.js';
import type { Dnsmasq } from '../helpers/dnsmasq.js';

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startWith(text: string): Promise<{ fulcrum: Fulcrum; lines: () => Array<Record<string, unknown>> }> {
  const parsed = parseConfigText(text, 'discovery.yaml');
  if (!parsed.ok) throw new Error(parsed.errors.map(formatConfigError).join('\n'));
  const { logger, lines } = captureLogger();
  return { fulcrum: await Fulcrum.start(parsed.config, { logger }), lines };
}

export function config(dns: Dnsmasq, discovery: string, extra = ''): string {
  return [
    'admin: { address: 127.0.0.1:0 }',
    'listeners:',
    '  - { name: web, address: 127.0.0.1:0, protocol: http, routes: [ { service: api } ] }',
    'services:',
    '  api:',
    '    algorithm: weighted-round-robin',
    '    slowStart: 2s',
    '    panicThreshold: 0',
    '    retries: { attempts: 2, on: [connect-failure] }',
    `    discovery: { dns: { ${discovery}, resolvers: [${dns.address}], refresh: 1s, timeout: 300ms } }`,
    extra,
  ].join('\n');
}

export const ids = (fulcrum: Fulcrum): string[] => fulcrum.services.get('api')!.backends.map((b) => b.id);
export const changes = (lines: () => Array<Record<string, unknown>>) => lines().filter((l) => l.msg === 'discovery: backends changed');
