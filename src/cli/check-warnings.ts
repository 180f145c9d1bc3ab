// What `fulcrum check` warns about in a valid configuration: settings that are allowed but do not do
// what they seem to. Each warning names file:line:column and the key, like the errors.
import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument } from 'yaml';
import { WEIGHT_BLIND_ALGORITHMS } from '../config/enums.js';
import { formatPath } from '../config/errors.js';
import { isLoopback } from '../config/net.js';
import { locate } from '../config/positions.js';
import type { FulcrumConfig } from '../config/types.js';

/** Services whose backends' weights differ under an algorithm that never reads `weight`. */
export function weightWarnings(config: FulcrumConfig, text: string): string[] {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const warnings: string[] = [];
  for (const service of config.services.values()) {
    if (!(WEIGHT_BLIND_ALGORITHMS as readonly string[]).includes(service.algorithm)) continue;
    // weight 0 drains under every algorithm; only the weights of backends that take requests matter
    const weights = [...new Set(service.backends.map((b) => b.weight).filter((w) => w > 0))];
    const path = ['services', service.name, 'algorithm'];
    const { line, column } = locate(doc, lineCounter, path);
    if (service.discovery?.dns.type === 'SRV') {
      warnings.push(
        `${config.source}:${line}:${column} ${formatPath(path)}: warning: service '${service.name}' takes SRV records, whose weights ${service.algorithm} ignores; ` +
          'leave algorithm out (the default, weighted-round-robin, honours them) or choose one that reads weight (docs/discovery.md)',
      );
    }
    if (weights.length < 2) continue;
    warnings.push(
      `${config.source}:${line}:${column} ${formatPath(path)}: warning: service '${service.name}' has backends of different weights (${weights.join(', ')}) but ${service.algorithm} ignores weights; ` +
        'leave algorithm out (the default, weighted-round-robin, honours them) or choose one that reads weight (docs/algorithms.md)',
    );
  }
  return warnings;
}

/** A gslb endpoint other machines can reach: it has no authentication, and anyone could read the zone's plans. */
export function gslbWarnings(config: FulcrumConfig, text: string): string[] {
  if (config.gslb === undefined || isLoopback(config.gslb.listen.host)) return [];
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const path = ['gslb', 'listen'];
  const { line, column } = locate(doc, lineCounter, path);
  return [
    `${config.source}:${line}:${column} ${formatPath(path)}: warning: the remote backend endpoint listens on ${config.gslb.listen.host}, not loopback; it has no authentication: keep it beside PowerDNS on 127.0.0.1 (docs/gslb.md)`,
  ];
}

export async function checkWarnings(config: FulcrumConfig, path: string): Promise<string[]> {
  const text = await readFile(path, 'utf8');
  return [...weightWarnings(config, text), ...gslbWarnings(config, text)];
}
