// How one kind of listener (or route) treats a key that belongs to another kind: refused with why,
// or, where the contract has always accepted it, checked and ignored. And how it asks for a key it
// needs, reporting the absence at the object itself.
import { z } from 'zod';

/** A check that runs even when other keys of the object have errors, so that all are reported at once. */
const BESIDE_OTHER_ERRORS = { when: () => true };

/**
 * A key of another kind: checked as it would be there (so its own mistakes are reported too), refused
 * here with `message`, and never in the result. `schema` must have no default (it would count as written).
 */
export function refused<T extends z.ZodType>(schema: T, message: string) {
  return schema
    .optional()
    .superRefine((value, ctx) => {
      if (value !== undefined) ctx.addIssue({ code: 'custom', message });
    }, BESIDE_OTHER_ERRORS)
    .transform((): undefined => undefined)
    .optional();
}

/** Every key of `shape` refused, with the message `why(key)`. */
export function refusedEach<S extends Record<string, z.ZodType>>(shape: S, why: (key: string) => string) {
  const entries = Object.entries(shape).map(([key, schema]) => [key, refused(schema, why(key))]);
  return Object.fromEntries(entries) as { [K in keyof S]: ReturnType<typeof refused<S[K]>> };
}

/** A key the contract has always accepted here though nothing here reads it: still checked, left out of the result. */
export function ignored<T extends z.ZodType>(schema: T) {
  return schema
    .optional()
    .transform((): undefined => undefined)
    .optional();
}

/**
 * An object check: `key` must be there (unless `exempt`), and its absence is reported at the object
 * (`an http listener needs 'routes'`) rather than as a missing key, beside the object's other errors.
 */
export function needs<T extends object>(key: keyof T & string, message: string, exempt: (value: T) => boolean = () => false) {
  return z.superRefine<T>((value, ctx) => {
    if (value[key] === undefined && !exempt(value)) ctx.addIssue({ code: 'custom', message });
  }, BESIDE_OTHER_ERRORS);
}

/** What a check made sure of (`needs`, a reference check): a value with issues never reaches the transform that asks. */
export function needed<T>(value: T | undefined, what = 'a needed key'): T {
  if (value === undefined) throw new Error(`config: ${what} is missing after validation`);
  return value;
}

/** `T` without the keys that can only be undefined: those refused or ignored. */
export type WithoutUnused<T> = { [K in keyof T as [T[K]] extends [undefined] ? never : K]: T[K] };

/** The value without the keys that are undefined: refused (absent once valid) or ignored (checked, then dropped). */
export function withoutUnused<T extends object>(value: T): WithoutUnused<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as WithoutUnused<T>;
}
