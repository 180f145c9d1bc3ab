// Reading a config file: YAML (or JSON, which the YAML parser reads too) -> validated, normalized
// FulcrumConfig, or every error found, each with file:line:column and a key path.
import { readFile } from 'node:fs/promises';
import type { FulcrumConfig } from './types.js';
import type { ConfigError } from './errors.js';
import type { ParsedConfig } from './schema.js';
import { validateConfig } from './validate.js';
import { type Validated, validateYamlText } from './yaml-text.js';
import { toFulcrumConfig } from './normalize.js';
import { configDir } from './paths.js';

export type LoadResult = { ok: true; config: FulcrumConfig } | { ok: false; errors: ConfigError[] };

export async function loadConfigFile(path: string): Promise<LoadResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (error as Error).message;
    return { ok: false, errors: [{ file: path, line: 1, column: 1, path: '', message: `cannot read the configuration: ${reason}` }] };
  }
  return parseConfigText(text, path);
}

/** `source` names the text in messages (usually the file path). */
export function parseConfigText(text: string, source: string): LoadResult {
  const result = validateYamlText(text, source, (raw): Validated<ParsedConfig> => {
    const validated = validateConfig(raw, configDir(source));
    return validated.ok ? { ok: true, value: validated.value } : validated;
  });
  return result.ok ? { ok: true, config: toFulcrumConfig(result.value, source) } : result;
}
