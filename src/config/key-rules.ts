// What the schema's own checks make sure of, asked for where a transform relies on it.

/** What a check made sure of (`needs`, a reference check): a value with issues never reaches the transform that asks. */
export function needed<T>(value: T | undefined, what = 'a needed key'): T {
  if (value === undefined) throw new Error(`config: ${what} is missing after validation`);
  return value;
}
