import { formatConfigError, type ConfigError as ConfigProblem } from '../config/errors.js';

export type { ConfigProblem };

/**
 * A config that does not validate: every problem found, each with where it is (file:line:column
 * and key path for a file or text; the key path alone for an object) and what was expected.
 */
export class ConfigError extends Error {
  /** one readable line per problem, as `fulcrum check` prints them */
  readonly messages: readonly string[];

  constructor(readonly problems: readonly ConfigProblem[]) {
    const messages = problems.map(formatConfigError);
    super(`invalid configuration:\n${messages.map((m) => '  ' + m).join('\n')}`);
    this.name = 'ConfigError';
    this.messages = messages;
  }
}
