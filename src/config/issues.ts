// Turns zod's issues into ConfigIssues with messages that say what was expected and, for unknown
// keys, which key was probably meant.
import type { z } from 'zod';
import { describeValue } from './values.js';
import { didYouMean } from './suggest.js';

export type PathSegment = string | number;

/** A problem at a place in the config, before it is given a file position. */
export interface ConfigIssue {
  path: PathSegment[];
  message: string;
  /** point at the key itself rather than its value (unknown keys) */
  atKey?: boolean;
}

const EXPECTED: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'an object',
  record: 'an object',
  array: 'a list',
};

type RawIssue = z.core.$ZodRawIssue;

/**
 * Collects, for each object that had unknown keys, the keys its schema allows: zod's final issue
 * keeps the input but not the schema, so we note them while zod builds the message.
 */
export function createErrorMap(allowedKeys: WeakMap<object, string[]>) {
  return (issue: RawIssue): string | undefined => {
    switch (issue.code) {
      case 'invalid_type': {
        const expected = EXPECTED[issue.expected] ?? issue.expected;
        if (issue.input === undefined) return 'missing (required)';
        return `expected ${expected}, got ${describeValue(issue.input)}`;
      }
      case 'invalid_value':
        return expectedOneOf(issue.values, issue.input);
      case 'invalid_union': {
        // a union told apart by one key (a listener's `protocol`) whose value is none of the options
        const { discriminator, options, input } = issue as { discriminator?: string; options?: unknown; input?: unknown };
        if (discriminator === undefined || !Array.isArray(options)) return undefined;
        const value = typeof input === 'object' && input !== null ? (input as Record<string, unknown>)[discriminator] : undefined;
        return expectedOneOf(
          options.filter((option) => option !== undefined),
          value,
        );
      }
      case 'too_small':
        if (issue.origin === 'array') return `expected at least ${issue.minimum} item(s)`;
        if (issue.origin === 'string') return `expected at least ${issue.minimum} character(s)`;
        return `expected a value ≥ ${issue.minimum}, got ${describeValue(issue.input)}`;
      case 'too_big':
        if (issue.origin === 'array') return `expected at most ${issue.maximum} item(s)`;
        if (issue.origin === 'string') return `expected at most ${issue.maximum} character(s)`;
        return `expected a value ≤ ${issue.maximum}, got ${describeValue(issue.input)}`;
      case 'unrecognized_keys': {
        const shape = (issue.inst as { _zod?: { def?: { shape?: object } } } | undefined)?._zod?.def?.shape;
        if (shape && typeof issue.input === 'object' && issue.input !== null) allowedKeys.set(issue.input, Object.keys(shape));
        return undefined; // replaced, one issue per key, in fromZodIssues
      }
      case 'invalid_key':
        return `invalid key ${describeValue(issue.input)}`;
      default:
        return undefined;
    }
  };
}

function expectedOneOf(values: readonly unknown[], input: unknown): string {
  const choices = values.map(String);
  return `expected ${choices.join(' | ')}, got ${describeValue(input)}${typeof input === 'string' ? didYouMean(input, choices) : ''}`;
}

export function fromZodIssues(issues: readonly z.core.$ZodIssue[], allowedKeys: WeakMap<object, string[]>, prefix: PathSegment[] = []): ConfigIssue[] {
  return issues.flatMap((issue): ConfigIssue[] => {
    const path = [...prefix, ...issue.path.filter((s): s is PathSegment => typeof s !== 'symbol')];
    switch (issue.code) {
      case 'unrecognized_keys': {
        const allowed = typeof issue.input === 'object' && issue.input !== null ? (allowedKeys.get(issue.input) ?? []) : [];
        return issue.keys.map((key) => ({ path: [...path, key], message: `unknown key '${key}'${didYouMean(key, allowed)}`, atKey: true }));
      }
      case 'invalid_key': {
        const inner = issue.issues[0]?.message;
        return [{ path, message: inner ? `invalid name ${JSON.stringify(path.at(-1))}: ${inner}` : issue.message, atKey: true }];
      }
      case 'invalid_union': {
        // `host: [a.com, 5]` fails both as a string and as a list; the list is what was meant, so
        // report its problem ("[1]: expected a string") rather than "expected one of ...".
        const [meant, ...others] = issue.errors.filter((branch) => !branch.every((i) => i.code === 'invalid_type' && i.path.length === 0));
        if (meant !== undefined && others.length === 0) return fromZodIssues(meant, allowedKeys, path);
        return [{ path, message: issue.message }];
      }
      case 'invalid_type': {
        const key = path.at(-1);
        const missing = issue.input === undefined && typeof key === 'string';
        return [{ path, message: missing ? `missing required key '${key}'` : issue.message }];
      }
      default:
        return [{ path, message: issue.message }];
    }
  });
}
