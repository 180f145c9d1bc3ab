// What `start({ config })` accepts: a file path, YAML/JSON text, or an object of the file's shape.
import { loadConfigFile, parseConfigObject, parseConfigText, type LoadResult } from '../config/load.js';
import type { ConfigExtensions } from '../config/extensions.js';

/** An object of the same shape as the YAML file (durations as "5s" or ms, addresses as "host:port"). */
export type ConfigObject = Readonly<Record<string, unknown>>;

export type ConfigSource = string | ConfigObject;

/** Where messages say the config came from, when it is not a file. */
export const TEXT_SOURCE = '<config text>';
export const OBJECT_SOURCE = '<config object>';

/** Text has a line break or starts like a JSON/flow mapping; any other string is a file path. */
export function isConfigText(source: string): boolean {
  return source.includes('\n') || source.trimStart().startsWith('{');
}

export function readConfigSource(source: ConfigSource, extensions: ConfigExtensions): Promise<LoadResult> | LoadResult {
  if (typeof source === 'string') {
    return isConfigText(source) ? parseConfigText(source, TEXT_SOURCE, extensions) : loadConfigFile(source, extensions);
  }
  if (typeof source !== 'object' || source === null || Array.isArray(source)) {
    return { ok: false, errors: [{ file: OBJECT_SOURCE, line: 0, column: 0, path: '', message: 'expected a file path, YAML/JSON text or a config object' }] };
  }
  // relative paths (certificates, static roots) are read from the working directory
  return parseConfigObject(source, OBJECT_SOURCE, process.cwd(), extensions);
}
