import type { DynamicTable } from '../../../src/http/h2/wire/hpack-tables.js';

/** a dynamic table's entries, newest first */
export function entries(table: DynamicTable): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let i = 0; i < table.length; i++) out.push([table.name(i), table.value(i)]);
  return out;
}
