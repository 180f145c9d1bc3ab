// An access log format compiled once, at load: the getters of the configured fields (JSON) or the
// literal parts and variables of a text format. A line does only the work its format names.
import type { AccessLogConfig } from '../config/types.js';
import { ACCESS_LOG_VARIABLES, parseLogFormat } from '../config/log-format.js';
import { FIELD_GETTERS, type FieldGetter, type RequestFacts } from './access-fields.js';

export type LineFormatter = (facts: RequestFacts) => string;

export function compileAccessFormat(config: AccessLogConfig): LineFormatter {
  return config.format === 'json' ? compileJson(config.fields) : compileText(config.format);
}

function compileJson(fields: AccessLogConfig['fields']): LineFormatter {
  const names = fields.slice();
  const getters = fields.map((field) => FIELD_GETTERS[field]);
  return (facts) => {
    const line: Record<string, unknown> = {};
    for (let i = 0; i < names.length; i++) line[names[i]!] = getters[i]!(facts);
    return JSON.stringify(line) + '\n';
  };
}

/** A text line: a null value prints `-` (as nginx does); `$query_string` prints `?query` or nothing. */
function compileText(format: string): LineFormatter {
  const parsed = parseLogFormat(format);
  if (!parsed.ok) throw new Error(`access log format: ${parsed.message}`); // the schema refused it already
  const literals: string[] = [];
  const getters: FieldGetter[] = [];
  let literal = '';
  for (const part of parsed.parts) {
    if (typeof part === 'string') {
      literal += part;
      continue;
    }
    literals.push(literal);
    literal = '';
    const getter = FIELD_GETTERS[ACCESS_LOG_VARIABLES[part.variable]];
    getters.push(part.variable === 'query_string' ? queryString : getter);
  }
  const tail = literal + '\n';
  return (facts) => {
    let out = '';
    for (let i = 0; i < getters.length; i++) {
      const value = getters[i]!(facts);
      out += literals[i]! + (value === null ? '-' : value);
    }
    return out + tail;
  };
}

function queryString(facts: RequestFacts): string {
  const query = facts.head?.query ?? '';
  return query === '' ? '' : '?' + query;
}
