// A scenario file (YAML or JSON) → a validated Scenario, or every error with file:line:column and
// key path, through the config's own machinery (positions, zod issue messages, formatting).
import { readFile } from 'node:fs/promises';
import type { ConfigError } from '../config/errors.js';
import { createErrorMap, fromZodIssues } from '../config/issues.js';
import { type Validated, validateYamlText } from '../config/yaml-text.js';
import { type Scenario, scenarioSchema, type VariantSpec, variantSchema } from './scenario-schema.js';

export type ScenarioResult = { ok: true; scenario: Scenario } | { ok: false; errors: ConfigError[] };

export async function loadScenarioFile(path: string): Promise<ScenarioResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (error as Error).message;
    return { ok: false, errors: [{ file: path, line: 1, column: 1, path: '', message: `cannot read the scenario: ${reason}` }] };
  }
  return parseScenarioText(text, path);
}

export function parseScenarioText(text: string, source: string): ScenarioResult {
  const result = validateYamlText(text, source, (raw): Validated<Scenario> => {
    if (raw === null || raw === undefined) return { ok: false, issues: [{ path: [], message: 'the scenario is empty' }] };
    const validated = validateScenario(raw);
    return validated.ok ? { ok: true, value: validated.scenario } : validated;
  });
  return result.ok ? { ok: true, scenario: result.value } : result;
}

/** Validates a plain object (a built-in scenario, or parsed YAML). */
export function validateScenario(raw: unknown): { ok: true; scenario: Scenario } | { ok: false; issues: ReturnType<typeof fromZodIssues> } {
  const allowedKeys = new WeakMap<object, string[]>();
  const parsed = scenarioSchema.safeParse(raw, { reportInput: true, error: createErrorMap(allowedKeys) });
  if (parsed.success) return { ok: true, scenario: parsed.data };
  return { ok: false, issues: fromZodIssues(parsed.error.issues, allowedKeys) };
}

/** `round-robin` written alone is `{ algorithm: round-robin }` with every default. */
export function variantsOf(scenario: Scenario): VariantSpec[] {
  return scenario.algorithms.map((entry) => (typeof entry === 'string' ? variantSchema.parse({ algorithm: entry }) : entry));
}
