// Edits of a head's fields (parallel arrays of names, lower-cased names and values).
import type { FieldList } from '../h1/fields.js';

export function removeField(fields: FieldList, lowerName: string): void {
  const { names, lower, values } = fields;
  for (let i = lower.length - 1; i >= 0; i--) {
    if (lower[i] === lowerName) {
      names.splice(i, 1);
      lower.splice(i, 1);
      values.splice(i, 1);
    }
  }
}

/** Replace every field of that name with one. */
export function setField(fields: FieldList, name: string, lowerName: string, value: string): void {
  removeField(fields, lowerName);
  fields.push(name, lowerName, value);
}

/** Add `token` to a list field (Vary) unless it is there already or the field is `*`. */
export function addListToken(fields: FieldList, name: string, lowerName: string, token: string): void {
  const { lower, values } = fields;
  const wanted = token.toLowerCase();
  for (let i = 0; i < lower.length; i++) {
    if (lower[i] !== lowerName) continue;
    for (const item of values[i]!.split(',')) {
      const t = item.trim().toLowerCase();
      if (t === wanted || t === '*') return;
    }
  }
  fields.push(name, lowerName, token);
}
