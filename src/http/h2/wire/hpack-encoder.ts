import { huffmanEncode, huffmanEncodedLength } from './hpack-huffman.js';
import { DynamicTable, ENTRY_OVERHEAD, STATIC_FIELD_INDEX, STATIC_NAME_INDEX, STATIC_TABLE_LENGTH, type TableEvictions } from './hpack-tables.js';

/** fields sent as never-indexed literals (§7.1.3): intermediaries must not index them either */
const NEVER_INDEXED = new Set(['authorization', 'cookie', 'proxy-authorization', 'set-cookie']);
/** fields whose value changes from message to message: indexing them would only churn the table */
const NOT_INDEXED = new Set([':path', 'age', 'content-length', 'content-range', 'etag', 'if-modified-since', 'if-none-match', 'last-modified', 'location', 'x-request-id']);
/** the peer's decoder starts with this table size (SETTINGS_HEADER_TABLE_SIZE's initial value) */
const INITIAL_TABLE_SIZE = 4096;
/** the static entries of :status */
const STATUS_INDEX = new Map<number, number>([...STATIC_FIELD_INDEX.get(':status')!].map(([code, index]) => [Number(code), index]));
const STATUS_NAME_INDEX = STATIC_NAME_INDEX.get(':status')!;
/** other statuses as literals without indexing (the same bytes on any connection), built on first use */
const statusLiterals: Array<Buffer | undefined> = [];

/**
 * The HPACK encoder of one connection (RFC 7541): static matches as indexed fields, fields
 * indexed in the dynamic table when they are small enough to be worth it and not unique per
 * message, sensitive ones never indexed; Huffman only when it is shorter.
 */
export class HpackEncoder implements TableEvictions {
  readonly table: DynamicTable;
  private readonly limit: number;
  /** table size updates owed at the start of the next block: the smallest since the last block, then the final one; -1 none */
  private updateMin = -1;
  private updateFinal = -1;
  /** name -> value -> sequence number of that entry in the dynamic table */
  private readonly fieldSeq = new Map<string, Map<string, number>>();
  /** name -> sequence number of the newest entry with that name */
  private readonly nameSeq = new Map<string, number>();

  /** `maxTableSize`: the most this encoder will use, whatever the peer allows */
  constructor(maxTableSize = INITIAL_TABLE_SIZE) {
    this.limit = maxTableSize;
    this.table = new DynamicTable(Math.min(maxTableSize, INITIAL_TABLE_SIZE));
    if (maxTableSize < INITIAL_TABLE_SIZE) this.updateMin = this.updateFinal = maxTableSize;
  }

  /** the peer's SETTINGS_HEADER_TABLE_SIZE: the next block starts with a dynamic table size update */
  setMaxTableSize(size: number): void {
    const effective = Math.min(size, this.limit);
    if (this.updateMin === -1 && effective === this.table.maxSize) return;
    if (this.updateMin === -1 || effective < this.updateMin) this.updateMin = effective;
    this.updateFinal = effective;
    this.table.setMaxSize(effective, this);
  }

  /** headers flat [name, value, …], names already lowercase; returns the block (a fresh Buffer the caller may keep) */
  encode(headers: string[]): Buffer {
    return this.block(-1, headers);
  }

  /** same, but writes a `:status` pseudo-header first (status from 100..999) without the caller building a string list entry */
  encodeResponse(status: number, headers: string[]): Buffer {
    if (!(status >= 100 && status <= 999)) throw new RangeError(`invalid status ${status}`);
    return this.block(status, headers);
  }

  evicted(name: string, value: string, seq: number): void {
    const values = this.fieldSeq.get(name);
    if (values !== undefined && values.get(value) === seq) {
      values.delete(value);
      if (values.size === 0) this.fieldSeq.delete(name);
    }
    if (this.nameSeq.get(name) === seq) this.nameSeq.delete(name);
  }

  private block(status: number, headers: string[]): Buffer {
    // each field: its strings, two length prefixes and an index; Huffman is never chosen when longer
    let bound = 24;
    for (let i = 0; i < headers.length; i++) bound += headers[i]!.length + 8;
    const out = Buffer.allocUnsafe(bound);
    let o = 0;
    if (this.updateMin !== -1) {
      o = writeInteger(out, o, 0x20, 5, this.updateMin);
      if (this.updateFinal !== this.updateMin) o = writeInteger(out, o, 0x20, 5, this.updateFinal);
      this.updateMin = this.updateFinal = -1;
    }
    if (status !== -1) o = writeStatus(out, o, status);
    for (let i = 0; i + 1 < headers.length; i += 2) o = this.field(out, o, headers[i]!, headers[i + 1]!);
    return out.subarray(0, o);
  }

  private field(out: Buffer, o: number, name: string, value: string): number {
    const staticIndex = STATIC_FIELD_INDEX.get(name)?.get(value);
    if (staticIndex !== undefined) return writeInteger(out, o, 0x80, 7, staticIndex);
    if (NEVER_INDEXED.has(name)) return this.literal(out, o, 0x10, 4, name, value);
    const seq = this.fieldSeq.get(name)?.get(value);
    if (seq !== undefined) return writeInteger(out, o, 0x80, 7, STATIC_TABLE_LENGTH + 1 + this.table.indexOf(seq));
    if (NOT_INDEXED.has(name) || (name.length + value.length + ENTRY_OVERHEAD) * 2 > this.table.maxSize) return this.literal(out, o, 0x00, 4, name, value);
    o = this.literal(out, o, 0x40, 6, name, value);
    if (this.table.add(name, value, this)) {
      const added = this.table.inserted - 1;
      let values = this.fieldSeq.get(name);
      if (values === undefined) this.fieldSeq.set(name, (values = new Map()));
      values.set(value, added);
      this.nameSeq.set(name, added);
    }
    return o;
  }

  /** A literal field: `pattern` and the name's index in a `prefixBits` prefix, or the name as a string. */
  private literal(out: Buffer, o: number, pattern: number, prefixBits: number, name: string, value: string): number {
    let nameIndex = STATIC_NAME_INDEX.get(name);
    if (nameIndex === undefined) {
      const seq = this.nameSeq.get(name);
      if (seq !== undefined) nameIndex = STATIC_TABLE_LENGTH + 1 + this.table.indexOf(seq);
    }
    if (nameIndex !== undefined) {
      o = writeInteger(out, o, pattern, prefixBits, nameIndex);
    } else {
      out[o++] = pattern;
      o = writeString(out, o, name);
    }
    return writeString(out, o, value);
  }
}

/** An integer with a `prefixBits` prefix (§5.1), the first byte's other bits from `pattern`. */
function writeInteger(out: Buffer, o: number, pattern: number, prefixBits: number, value: number): number {
  const max = (1 << prefixBits) - 1;
  if (value < max) {
    out[o++] = pattern | value;
    return o;
  }
  out[o++] = pattern | max;
  value -= max;
  while (value >= 0x80) {
    out[o++] = (value & 0x7f) | 0x80;
    value = Math.floor(value / 128);
  }
  out[o++] = value;
  return o;
}

/** A string literal (§5.2): Huffman-coded only when that is shorter. */
function writeString(out: Buffer, o: number, s: string): number {
  const huffmanLength = huffmanEncodedLength(s);
  if (huffmanLength < s.length) return huffmanEncode(s, out, writeInteger(out, o, 0x80, 7, huffmanLength));
  o = writeInteger(out, o, 0x00, 7, s.length);
  return o + out.write(s, o, 'latin1');
}

function writeStatus(out: Buffer, o: number, status: number): number {
  const index = STATUS_INDEX.get(status);
  if (index !== undefined) return writeInteger(out, o, 0x80, 7, index);
  let literal = statusLiterals[status];
  if (literal === undefined) {
    const bytes = Buffer.allocUnsafe(8);
    literal = statusLiterals[status] = Buffer.from(bytes.subarray(0, writeString(bytes, writeInteger(bytes, 0, 0x00, 4, STATUS_NAME_INDEX), String(status))));
  }
  return o + literal.copy(out, o);
}
