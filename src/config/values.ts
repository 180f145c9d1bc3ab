// Zod schemas for the scalar values of the config: each validates what a user wrote and turns it
// into the normalized runtime value, with a message that says what was expected.
import { z } from 'zod';
import { parseDuration, parseSize } from './units.js';
import { isValidCidr, parseHostPort } from './net.js';
import { HASH_KEYS } from './enums.js';

/** How a value a user wrote is quoted back in a message: strings quoted, lists and objects named. */
export function describeValue(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : Array.isArray(value) ? 'a list' : typeof value === 'object' && value !== null ? 'an object' : String(value);
}

/** A duration in ms, no default: `5s`, `250ms`, `1m`, `1h`, `1m30s` or a number of milliseconds. */
export const durationValue = z.unknown().transform((value, ctx) => {
  const ms = parseDuration(value);
  if (ms !== undefined) return ms;
  ctx.addIssue({ code: 'custom', input: value, message: `expected a duration like "5s" or "250ms", got ${describeValue(value)}` });
  return z.NEVER;
});

/** A duration in ms with a default. */
export const duration = (defaultMs: number) => durationValue.default(defaultMs);

/** A size in bytes, no default: `16kb`, `10mb`, `1gb` (1kb = 1024) or a number of bytes. */
export const sizeValue = z.unknown().transform((value, ctx) => {
  const bytes = parseSize(value);
  if (bytes !== undefined) return bytes;
  ctx.addIssue({ code: 'custom', input: value, message: `expected a size like "16kb" or "10mb", got ${describeValue(value)}` });
  return z.NEVER;
});

/** A size in bytes with a default. */
export const size = (defaultBytes: number) => sizeValue.default(defaultBytes);

export const count = (defaultValue: number, min = 0) => {
  const error = (issue: { input?: unknown }) => `expected a whole number ≥ ${min}, got ${describeValue(issue.input)}`;
  return z.number({ error }).int({ error }).min(min, { error }).default(defaultValue);
};

/** `host:port` or `[v6]:port` -> { host, port }. */
export const hostPort = z.string().transform((text, ctx) => {
  const parsed = parseHostPort(text);
  if (parsed.ok) return parsed.value;
  ctx.addIssue({ code: 'custom', input: text, message: parsed.message });
  return z.NEVER;
});

/** Names of listeners, services and middlewares: they end up in logs, metrics and URLs. */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
export const name = z.string().regex(NAME_PATTERN, 'expected a name of letters, digits, "-", "_" or "." (starting with a letter or digit)');

export const lowerCaseKeys = <V>(record: Record<string, V>): Record<string, V> => Object.fromEntries(Object.entries(record).map(([key, value]) => [key.toLowerCase(), value]));

/** A single value or a list of them, always a list afterwards. */
export const oneOrMany = <T extends z.ZodType>(item: T, what: string) =>
  z.union([item, z.array(item)], { error: `expected ${what} or a list of them` }).transform((value) => (Array.isArray(value) ? value : [value]) as Array<z.output<T>>);

export const cidr = z.string().refine(isValidCidr, {
  error: (issue) => `expected a CIDR like "10.0.0.0/8" or an IP address, got ${describeValue(issue.input)}`,
});

export const regexSource = z.string().refine(
  (source) => {
    try {
      new RegExp(source);
      return true;
    } catch {
      return false;
    }
  },
  { error: (issue) => `invalid regular expression ${describeValue(issue.input)}` },
);

/** A header/query/cookie condition: `"value"` (exact), `{ regex: "..." }` or `{ present: true|false }`. */
export const valueMatch = z.union([z.string().transform((exact) => ({ exact })), z.strictObject({ regex: regexSource }), z.strictObject({ present: z.boolean() })], {
  error: 'expected a string (exact match), { regex: "..." } or { present: true|false }',
});

/** `api.example.com` or `*.example.com`, lower-cased. */
export const hostPattern = z
  .string()
  .regex(/^(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/, {
    error: (issue) => `expected a host name like "api.example.com" or "*.example.com", got ${describeValue(issue.input)}`,
  })
  .transform((host) => host.toLowerCase());

/** An HTTP method token, upper-cased. */
export const method = z
  .string()
  .regex(/^[A-Za-z]+$/, { error: (issue) => `expected an HTTP method like "GET", got ${describeValue(issue.input)}` })
  .transform((m) => m.toUpperCase());

/** `a, b or c`: the choices of an enumeration, as a message lists them. */
export function listed(choices: readonly (string | number)[], conjunction: 'or' | 'and' = 'or'): string {
  const words = choices.map(String);
  return words.length < 2 ? words.join('') : `${words.slice(0, -1).join(', ')} ${conjunction} ${words.at(-1)}`;
}

/** A whole-string pattern for forms like `client-ip` or `header:NAME`, NAME matching `namePattern`. */
export function formsPattern(forms: readonly string[], namePattern: RegExp): RegExp {
  const name = namePattern.source.replace(/^\^|\$$/g, '');
  const alternatives = forms.map((form) => form.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:NAME$/, `:${name}`));
  return new RegExp(`^(${alternatives.join('|')})$`);
}

/** client-ip | header:NAME | cookie:NAME | query:NAME | path; header names are lower-cased. */
export const hashKey = z
  .string()
  .regex(formsPattern(HASH_KEYS, /[^\s:]+/), {
    error: (issue) => `expected ${listed(HASH_KEYS)}, got ${describeValue(issue.input)}`,
  })
  .transform((key) => (key.startsWith('header:') ? key.toLowerCase() : key));
