// Validates a plain JavaScript value (parsed YAML or JSON) against the schema and the semantic
// checks, reporting every problem found by either.
import { configSchema, type ParsedConfig } from './schema.js';
import { createErrorMap, fromZodIssues, type ConfigIssue } from './issues.js';
import { checkSemantics } from './semantic.js';
import { checkPemFiles } from './pem-files.js';
import { checkExtensionNames, NO_EXTENSIONS, type ConfigExtensions } from './extensions.js';

export type ValidationResult = { ok: true; value: ParsedConfig } | { ok: false; issues: ConfigIssue[] };

/** `baseDir`: where relative certificate paths are read from (the config file's folder); `extensions`: what a library embedder registered. */
export function validateConfig(raw: unknown, baseDir = process.cwd(), extensions: ConfigExtensions = NO_EXTENSIONS): ValidationResult {
  if (raw === null || raw === undefined) return { ok: false, issues: [{ path: [], message: 'the configuration is empty' }] };
  const allowedKeys = new WeakMap<object, string[]>();
  const parsed = configSchema.safeParse(raw, { reportInput: true, error: createErrorMap(allowedKeys) });
  const issues = [
    ...(parsed.success ? [] : fromZodIssues(parsed.error.issues, allowedKeys)),
    ...checkSemantics(raw),
    ...checkPemFiles(raw, baseDir),
    ...checkExtensionNames(raw, extensions),
  ];
  if (issues.length > 0 || !parsed.success) return { ok: false, issues };
  return { ok: true, value: parsed.data };
}
