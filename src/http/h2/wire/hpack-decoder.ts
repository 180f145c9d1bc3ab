import { HpackError } from './hpack-error.js';
import { huffmanDecode } from './hpack-huffman.js';
import { DynamicTable, ENTRY_OVERHEAD, STATIC_NAMES, STATIC_TABLE_LENGTH, STATIC_VALUES } from './hpack-tables.js';

export interface DecodedBlock {
  /** flat list: name0, value0, name1, value1, … in wire order; names as sent (lowercase is checked by the caller) */
  headers: string[];
  /** true when the list exceeded maxHeaderListSize or maxHeaders: decoding went on (the dynamic table must stay in sync) but fields past the limit were dropped */
  tooLarge: boolean;
}

export interface HpackDecoderOptions {
  /** the SETTINGS_HEADER_TABLE_SIZE we advertised: the most a size update may ask for */
  maxTableSize: number;
  /** RFC 9113 §6.5.2: name + value + 32 octets per field */
  maxHeaderListSize: number;
  maxHeaders: number;
  /** literal octets a block may decode to, beyond which it is a COMPRESSION_ERROR; default 2 × (maxHeaderListSize + maxTableSize) */
  maxDecodedBytes?: number;
}

/** Huffman output goes here before becoming a string; decode() never yields, so one buffer serves every decoder */
let scratch = Buffer.allocUnsafe(4096);
/** a larger buffer, needed for a longer string, is kept up to this size */
const KEEP_SCRATCH_BYTES = 64 * 1024;
const EMPTY = Buffer.alloc(0);

/**
 * The HPACK decoder of one connection (RFC 7541), with the HPACK bomb defences: the header list is
 * measured as it is decoded, indexed fields reuse the table's strings, and a block over the limits
 * keeps updating the table without building the dropped fields.
 */
export class HpackDecoder {
  readonly table: DynamicTable;
  private maxTableSize: number;
  private readonly maxHeaderListSize: number;
  private readonly maxHeaders: number;
  private readonly maxDecodedBytes: number;
  /** we lowered our table size below the one in use: the next block must start with a size update */
  private sizeUpdateRequired = false;
  // the block being decoded
  private block: Buffer = EMPTY;
  private pos = 0;
  private decodedBytes = 0;

  constructor(options: HpackDecoderOptions) {
    this.maxTableSize = options.maxTableSize;
    this.maxHeaderListSize = options.maxHeaderListSize;
    this.maxHeaders = options.maxHeaders;
    this.maxDecodedBytes = options.maxDecodedBytes ?? 2 * (options.maxHeaderListSize + options.maxTableSize);
    this.table = new DynamicTable(options.maxTableSize);
  }

  /** A new SETTINGS_HEADER_TABLE_SIZE of ours, once the peer acknowledged it. */
  setMaxTableSize(size: number): void {
    this.maxTableSize = size;
    if (size < this.table.maxSize) this.sizeUpdateRequired = true;
  }

  /** one complete header block (HEADERS + CONTINUATION payloads already joined); throws HpackError */
  decode(block: Buffer): DecodedBlock {
    this.block = block;
    this.pos = 0;
    this.decodedBytes = 0;
    try {
      return this.fields(block);
    } finally {
      this.block = EMPTY;
    }
  }

  private fields(block: Buffer): DecodedBlock {
    const headers: string[] = [];
    const end = block.length;
    let tooLarge = false;
    let listSize = 0;
    let fields = 0;
    let started = false;
    while (this.pos < end) {
      const first = block[this.pos]!;
      if (first >= 0x20 && first < 0x40) {
        // dynamic table size update (§6.3)
        if (started) throw new HpackError('dynamic table size update after a field');
        const size = this.integer(5);
        if (size > this.maxTableSize) throw new HpackError(`dynamic table size update to ${size} above ${this.maxTableSize}`);
        this.table.setMaxSize(size);
        this.sizeUpdateRequired = false;
        continue;
      }
      if (this.sizeUpdateRequired) throw new HpackError('missing dynamic table size update');
      started = true;
      let name: string;
      let value: string;
      if (first >= 0x80) {
        // indexed field (§6.1): the table's own strings, nothing built
        const index = this.integer(7);
        if (index === 0) throw new HpackError('indexed field 0');
        if (index <= STATIC_TABLE_LENGTH) {
          name = STATIC_NAMES[index]!;
          value = STATIC_VALUES[index]!;
        } else {
          const dynamic = this.dynamicIndex(index);
          name = this.table.name(dynamic);
          value = this.table.value(dynamic);
        }
      } else if (first >= 0x40) {
        // literal with incremental indexing (§6.2.1): built even when dropped, the table needs it
        const index = this.integer(6);
        name = index === 0 ? this.string(true) : this.nameAt(index);
        value = this.string(true);
        this.table.add(name, value);
      } else {
        // literal without indexing or never indexed (§6.2.2, §6.2.3)
        const index = this.integer(4);
        name = index === 0 ? this.string(!tooLarge) : this.nameAt(index);
        value = this.string(!tooLarge);
      }
      if (tooLarge) continue;
      listSize += name.length + value.length + ENTRY_OVERHEAD;
      if (listSize > this.maxHeaderListSize || fields === this.maxHeaders) {
        tooLarge = true;
        continue;
      }
      headers.push(name, value);
      fields++;
    }
    return { headers, tooLarge };
  }

  /** An integer with an N-bit prefix (§5.1), at most 2^31 - 1. */
  private integer(prefixBits: number): number {
    const block = this.block;
    let pos = this.pos;
    if (pos >= block.length) throw new HpackError('truncated field block');
    const mask = (1 << prefixBits) - 1;
    let value = block[pos++]! & mask;
    if (value === mask) {
      let multiplier = 1;
      for (let count = 0; ; count++) {
        if (pos >= block.length) throw new HpackError('truncated integer');
        // 5 continuation bytes hold 35 bits: more is padding with zeros at best
        if (count === 5) throw new HpackError('integer too long');
        const byte = block[pos++]!;
        value += (byte & 0x7f) * multiplier;
        if (value > 0x7fffffff) throw new HpackError('integer overflow');
        if (byte < 0x80) break;
        multiplier *= 128;
      }
    }
    this.pos = pos;
    return value;
  }

  /** A string literal (§5.2); with `build` false it is checked and skipped, '' returned. */
  private string(build: boolean): string {
    if (this.pos >= this.block.length) throw new HpackError('truncated field block');
    const block = this.block;
    const huffman = block[this.pos]! >= 0x80;
    const length = this.integer(7);
    const start = this.pos;
    const end = start + length;
    if (end > block.length) throw new HpackError('string literal longer than the field block');
    this.pos = end;
    if (!huffman) {
      this.count(length);
      return build ? block.toString('latin1', start, end) : '';
    }
    const room = Math.floor((length * 8) / 5);
    let out = scratch;
    if (room > out.length) {
      out = Buffer.allocUnsafe(room);
      if (room <= KEEP_SCRATCH_BYTES) scratch = out;
    }
    const n = huffmanDecode(block, start, end, out, 0);
    this.count(n);
    return build ? out.toString('latin1', 0, n) : '';
  }

  private count(decoded: number): void {
    this.decodedBytes += decoded;
    if (this.decodedBytes > this.maxDecodedBytes) throw new HpackError('field block decodes to too many bytes');
  }

  private nameAt(index: number): string {
    return index <= STATIC_TABLE_LENGTH ? STATIC_NAMES[index]! : this.table.name(this.dynamicIndex(index));
  }

  private dynamicIndex(index: number): number {
    const dynamic = index - STATIC_TABLE_LENGTH - 1;
    if (dynamic >= this.table.length) throw new HpackError(`index ${index} beyond the tables`);
    return dynamic;
  }
}
