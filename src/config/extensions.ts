// Names a library embedder registered (`start({ algorithms, middlewares })`): a service's
// `algorithm` may be one of them, a `custom` middleware must name one. Checked on the raw document,
// like semantic.ts, so the errors get the same file:line (or path) positions.
import { ALGORITHMS } from './enums.js';
import type { ConfigIssue } from './issues.js';
import { didYouMean } from './suggest.js';
import { describeValue } from './values.js';

export interface ConfigExtensions {
  /** registered algorithm names (the built-in ones may be listed too) */
  readonly algorithms: readonly string[];
  /** registered middleware names, for `custom: { name }` */
  readonly middlewares: readonly string[];
}

/** What the CLI validates with: nothing registered. */
export const NO_EXTENSIONS: ConfigExtensions = { algorithms: [], middlewares: [] };

type Raw = Record<string, unknown>;
const isRecord = (value: unknown): value is Raw => typeof value === 'object' && value !== null && !Array.isArray(value);

export function checkExtensionNames(raw: unknown, extensions: ConfigExtensions): ConfigIssue[] {
  if (!isRecord(raw)) return [];
  const issues: ConfigIssue[] = [];
  const algorithms = [...new Set([...ALGORITHMS, ...extensions.algorithms])];
  for (const [name, service] of Object.entries(isRecord(raw.services) ? raw.services : {})) {
    const algorithm = isRecord(service) ? service.algorithm : undefined;
    if (typeof algorithm !== 'string' || algorithms.includes(algorithm)) continue;
    issues.push({ path: ['services', name, 'algorithm'], message: `expected ${algorithms.join(' | ')}, got ${describeValue(algorithm)}${didYouMean(algorithm, algorithms)}` });
  }
  for (const [name, middleware] of Object.entries(isRecord(raw.middlewares) ? raw.middlewares : {})) {
    const custom = isRecord(middleware) ? middleware.custom : undefined;
    const wanted = isRecord(custom) ? custom.name : undefined;
    if (typeof wanted !== 'string' || wanted === '' || extensions.middlewares.includes(wanted)) continue;
    const known = extensions.middlewares;
    const message =
      known.length === 0
        ? `no middleware is registered as ${describeValue(wanted)}: custom middlewares are registered with the library's start({ middlewares })`
        : `no middleware is registered as ${describeValue(wanted)} (registered: ${known.join(', ')})${didYouMean(wanted, known)}`;
    issues.push({ path: ['middlewares', name, 'custom', 'name'], message });
  }
  return issues;
}
