// Shared by the config tests: parse a YAML text and get either the config or the errors.
import assert from 'node:assert/strict';
import { parseConfigText } from '../../src/config/load.js';
import type { ConfigError } from '../../src/config/errors.js';
import type { FulcrumConfig, ListenerOf, Protocol } from '../../src/config/types.js';

export const SOURCE = 'test.yaml';

/** Joins lines so a test can see which line each key is on. */
export const yaml = (...lines: string[]) => lines.join('\n') + '\n';

export function expectValid(text: string): FulcrumConfig {
  const result = parseConfigText(text, SOURCE);
  if (!result.ok) assert.fail(`expected a valid config, got:\n${result.errors.map((e) => `${e.line}:${e.column} ${e.path}: ${e.message}`).join('\n')}`);
  return result.config;
}

export function expectErrors(text: string): ConfigError[] {
  const result = parseConfigText(text, SOURCE);
  assert.equal(result.ok, false, 'expected the config to be rejected');
  return result.ok ? [] : result.errors;
}

/** The listener at `index`, asserted to be of `protocol` (so a test reads what that kind has). */
export function listenerAt<P extends Protocol>(config: FulcrumConfig, index: number, protocol: P): ListenerOf<P> {
  const listener = config.listeners[index];
  assert.equal(listener?.protocol, protocol, `listeners[${index}] is ${listener?.protocol ?? 'missing'}, not ${protocol}`);
  return listener as ListenerOf<P>;
}

/** Asserts there is an error at `path`, at line:column, whose message contains `fragment`. */
export function assertError(errors: ConfigError[], path: string, at: `${number}:${number}`, fragment: string): void {
  const matching = errors.filter((e) => e.path === path);
  const listing = errors.map((e) => `  ${e.line}:${e.column} ${e.path}: ${e.message}`).join('\n');
  assert.ok(matching.length > 0, `no error at ${path}; errors:\n${listing}`);
  const error = matching.find((e) => e.message.includes(fragment));
  assert.ok(error, `no error at ${path} mentioning ${JSON.stringify(fragment)}; errors:\n${listing}`);
  assert.equal(`${error.line}:${error.column}`, at, `position of ${path}: ${error.message}`);
  assert.equal(error.file, SOURCE);
}

/** A small valid config; tests change one line of it. */
export const minimal = (listenerExtra: string[] = [], serviceExtra: string[] = []) =>
  yaml(
    'listeners:',
    '  - name: web',
    '    address: 127.0.0.1:0',
    ...listenerExtra,
    '    routes:',
    '      - service: api',
    'services:',
    '  api:',
    '    backends:',
    '      - address: 127.0.0.1:9001',
    ...serviceExtra,
  );
