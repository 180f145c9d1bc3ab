// YAML (or JSON) text → a validated value, or every problem with file:line:column and a key path.
// Shared by the config (load.ts) and by scenario files (src/simulate/scenario-load.ts).
import { LineCounter, parseDocument } from 'yaml';
import { type ConfigError, formatPath } from './errors.js';
import type { ConfigIssue } from './issues.js';
import { locate } from './positions.js';

export type Validated<T> = { ok: true; value: T } | { ok: false; issues: ConfigIssue[] };

/** `source` names the text in messages (usually the file path); `validate` sees the parsed value. */
export function validateYamlText<T>(text: string, source: string, validate: (raw: unknown) => Validated<T>): { ok: true; value: T } | { ok: false; errors: ConfigError[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const errors = doc.errors.map((error): ConfigError => {
      const { line, col } = lineCounter.linePos(error.pos[0]);
      return { file: source, line, column: col, path: '', message: `YAML syntax error: ${error.message.split('\n')[0]}` };
    });
    return { ok: false, errors };
  }

  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    return { ok: false, errors: [{ file: source, line: 1, column: 1, path: '', message: (error as Error).message }] };
  }

  const result = validate(raw);
  if (result.ok) return result;
  const errors = result.issues.map((issue): ConfigError => {
    const { line, column } = locate(doc, lineCounter, issue.path, issue.atKey);
    return { file: source, line, column, path: formatPath(issue.path), message: issue.message };
  });
  errors.sort((a, b) => a.line - b.line || a.column - b.column);
  return { ok: false, errors };
}
