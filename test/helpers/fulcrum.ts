// Starts an in-process Fulcrum from a YAML text, as a user would write it.
import { parseConfigText, formatConfigError } from '../../src/config/index.js';
import { Fulcrum } from '../../src/fulcrum.js';

export async function startFulcrum(yamlText: string): Promise<Fulcrum> {
  const result = parseConfigText(yamlText, 'test.yaml');
  if (!result.ok) throw new Error(`invalid test config:\n${result.errors.map(formatConfigError).join('\n')}\n---\n${yamlText}`);
  return Fulcrum.start(result.config);
}

/** The port of a listener ("web" unless told). */
export function portOf(fulcrum: Fulcrum, listener = 'web'): number {
  return fulcrum.address(listener).port;
}

/** Strips the common indentation of a template literal, so configs can be written inline. */
export function yaml(strings: TemplateStringsArray, ...values: unknown[]): string {
  const text = String.raw({ raw: strings }, ...values).replace(/^\n/, '');
  const indent = Math.min(
    ...text
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => l.match(/^ */)![0].length),
  );
  return text
    .split('\n')
    .map((l) => l.slice(indent))
    .join('\n');
}
