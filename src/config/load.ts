// Reading a config file: YAML (or JSON, which the YAML parser reads too) -> validated, normalized
// FulcrumConfig, or every error found, each with file:line:column and a key path.
import { readFile } from 'node:fs/promises';
import type { FulcrumConfig } from './types.js';
import { formatPath, type ConfigError } from './errors.js';
import type { ParsedConfig } from './schema.js';
import { validateConfig } from './validate.js';
import { type Validated, validateYamlText } from './yaml-text.js';
import { toFulcrumConfig } from './normalize.js';
import { configDir } from './paths.js';
import { NO_EXTENSIONS, type ConfigExtensions } from './extensions.js';

export type LoadResult = { ok: true; config: FulcrumConfig } | { ok: false; errors: ConfigError[] };

export async function loadConfigFile(path: string, extensions: ConfigExtensions = NO_EXTENSIONS): Promise<LoadResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (error as Error).message;
    return { ok: false, errors: [{ file: path, line: 1, column: 1, path: '', message: `cannot read the configuration: ${reason}` }] };
  }
  return parseConfigText(text, path, extensions);
}

/** `source` names the text in messages (usually the file path). */
export function parseConfigText(text: string, source: string, extensions: ConfigExtensions = NO_EXTENSIONS): LoadResult {
  const result = validateYamlText(text, source, (raw): Validated<ParsedConfig> => {
    const validated = validateConfig(raw, configDir(source), extensions);
    return validated.ok ? { ok: true, value: validated.value } : validated;
  });
  return result.ok ? { ok: true, config: toFulcrumConfig(result.value, source) } : result;
}

/**
 * A config given as an object of the YAML file's shape (the library's `start({ config: {...} })`):
 * the same validation; errors have no line (0), their key path says where. Relative paths are
 * read from `baseDir`.
 */
export function parseConfigObject(value: unknown, source: string, baseDir: string, extensions: ConfigExtensions = NO_EXTENSIONS): LoadResult {
  const result = validateConfig(value, baseDir, extensions);
  if (result.ok) return { ok: true, config: toFulcrumConfig(result.value, source) };
  const errors = result.issues.map((issue): ConfigError => ({ file: source, line: 0, column: 0, path: formatPath(issue.path), message: issue.message }));
  errors.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { ok: false, errors };
}
