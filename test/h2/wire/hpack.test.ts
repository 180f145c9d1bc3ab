import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HpackDecoder, HpackEncoder, HpackError } from '../../../src/http/h2/wire/hpack.js';
import { huffmanCode, huffmanDecode, huffmanEncode, huffmanEncodedLength } from '../../../src/http/h2/wire/hpack-huffman.js';
import { entries } from './hpack-helpers.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

function decoder(options: Partial<{ maxTableSize: number; maxHeaderListSize: number; maxHeaders: number; maxDecodedBytes: number }> = {}): HpackDecoder {
  return new HpackDecoder({ maxTableSize: 4096, maxHeaderListSize: 1 << 20, maxHeaders: 1000, ...options });
}

function huffman(s: string): Buffer {
  const out = Buffer.alloc(huffmanEncodedLength(s));
  assert.equal(huffmanEncode(s, out, 0), out.length);
  return out;
}

function unhuffman(bytes: Buffer): string {
  const out = Buffer.alloc(Math.floor((bytes.length * 8) / 5));
  return out.toString('latin1', 0, huffmanDecode(bytes, 0, bytes.length, out, 0));
}

/** a literal without indexing, new name, with the value as raw Huffman bytes */
function huffmanLiteral(value: Buffer): Buffer {
  return Buffer.concat([Buffer.from([0x00, 0x01, 0x61, 0x80 | value.length]), value]);
}

function rejects(block: Buffer, pattern: RegExp, d = decoder()): void {
  assert.throws(
    () => d.decode(block),
    (error: unknown) => error instanceof HpackError && pattern.test(error.message),
    block.toString('hex'),
  );
}

test('Huffman: known codes, every byte value, and strings of every byte', () => {
  assert.deepEqual(huffmanCode(0x30), { code: 0x0, length: 5 });
  assert.deepEqual(huffmanCode(0), { code: 0x1ff8, length: 13 });
  assert.deepEqual(huffmanCode(10), { code: 0x3ffffffc, length: 30 });
  assert.deepEqual(huffmanCode(256), { code: 0x3fffffff, length: 30 });
  assert.equal(huffman('www.example.com').toString('hex'), 'f1e3c2e5f23a6ba0ab90f4ff');
  for (let b = 0; b < 256; b++) {
    const s = String.fromCharCode(b);
    assert.equal(unhuffman(huffman(s)), s, `byte ${b}`);
    assert.equal(unhuffman(huffman(s.repeat(9) + 'a')), s.repeat(9) + 'a', `byte ${b} repeated`);
  }
  let all = '';
  for (let b = 0; b < 256; b++) all += String.fromCharCode(b);
  const mixed = all + [...all].reverse().join('') + 'Mon, 21 Oct 2013 20:13:21 GMT';
  assert.equal(unhuffman(huffman(mixed)), mixed);
  assert.equal(unhuffman(Buffer.alloc(0)), '');
  // the encoded length is exact
  for (const s of [mixed, 'a', '', 'text/html; charset=utf-8']) assert.equal(huffman(s).length, huffmanEncodedLength(s));
});

test('Huffman rejections: EOS, padding over 7 bits, padding not all ones', () => {
  rejects(huffmanLiteral(hex('ffffffff')), /EOS/); // 30 ones: EOS, then 2 bits
  rejects(huffmanLiteral(hex('1fffffff ff')), /EOS/); // '0' (00000) then EOS
  rejects(huffmanLiteral(hex('ff')), /padding/); // 8 bits of padding
  rejects(huffmanLiteral(hex('1f ff')), /padding/); // '0' then 11 one bits
  rejects(huffmanLiteral(hex('00')), /padding/); // '0' then 000: not ones
  rejects(huffmanLiteral(hex('06')), /padding/); // '0' then 110
  assert.deepEqual(decoder().decode(huffmanLiteral(hex('07'))).headers, ['a', '0']); // '0' then 111: fine
});

test('decoder rejections', () => {
  rejects(hex('80'), /indexed field 0/);
  rejects(hex('be'), /beyond the tables/); // 62 with an empty dynamic table
  rejects(hex('ff 80 01'), /beyond the tables/); // 127 + 128
  rejects(hex('41'), /truncated/); // literal with indexed name, no value
  rejects(hex('40'), /truncated/);
  rejects(hex('ff'), /truncated integer/);
  rejects(hex('ff ff ff ff ff 0f'), /integer overflow/); // 127 + a 35-bit value
  rejects(hex('ff ff ff ff ff 07'), /integer overflow/); // 127 + 2^31 - 128 + ... > 2^31 - 1
  rejects(hex('ff 80 80 80 80 80 00'), /integer too long/); // zeros padding the integer out
  rejects(hex('3f e2 1f'), /size update to 4097 above 4096/); // 31 + 98 + 31 * 128
  rejects(hex('82 20'), /size update after a field/);
  rejects(hex('00 01 61 05 61 62'), /longer than the field block/);
  rejects(hex('00 7f 7f'), /longer than the field block/);
  // the biggest integer that fits: 2^31 - 1 as an index is refused as an index, not as an overflow
  rejects(hex('ff 80 ff ff ff 07'), /beyond the tables/);
});

test('size updates at the start of a block, up to the advertised size, evicting', () => {
  const d = decoder({ maxTableSize: 256 });
  d.decode(hex('400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572'));
  assert.equal(d.table.length, 1);
  // two updates in a row (0 then 256) empty the table; then a field
  assert.deepEqual(d.decode(hex('20 3f e1 01 82')).headers, [':method', 'GET']);
  assert.equal(d.table.length, 0);
  assert.equal(d.table.maxSize, 256);
  // lowering our own advertised size: the peer's next block must start with an update
  d.setMaxTableSize(100);
  rejects(hex('82'), /missing dynamic table size update/, d);
  rejects(hex('3f e1 01'), /above 100/, d);
  assert.deepEqual(d.decode(hex('3f 45 82')).headers, [':method', 'GET']);
  assert.equal(d.table.maxSize, 100);
  assert.deepEqual(d.decode(hex('82')).headers, [':method', 'GET']);
});

test('limits: too many fields or too large a list sets tooLarge, and the table stays in sync', () => {
  const encoder = new HpackEncoder();
  const fields = ['a', '1', 'b', '2', 'c', '3'];
  const d = decoder({ maxHeaders: 2 });
  const block = d.decode(encoder.encode(fields));
  assert.equal(block.tooLarge, true);
  assert.deepEqual(block.headers, ['a', '1', 'b', '2']);
  assert.deepEqual(entries(d.table), entries(encoder.table));
  // the next block refers to the entries of the dropped field: still decodable
  assert.deepEqual(d.decode(encoder.encode(['c', '3', 'a', '1'])).headers, ['c', '3', 'a', '1']);

  const sized = decoder({ maxHeaderListSize: 2 * 34 });
  const big = sized.decode(new HpackEncoder().encode(fields));
  assert.equal(big.tooLarge, true);
  assert.deepEqual(big.headers, ['a', '1', 'b', '2']);
});

test('an HPACK bomb: one large entry referenced 1000 times', () => {
  const value = 'x'.repeat(4000);
  // a literal with incremental indexing of "bomb: xxxx…" (4000 = 127 + 33 + 30 * 128), then index 62 a thousand times
  const add = Buffer.concat([hex('40 04'), Buffer.from('bomb'), hex('7f a1 1e'), Buffer.from(value)]);
  const block = Buffer.concat([add, Buffer.alloc(1000, 0xbe)]);
  const d = decoder({ maxHeaderListSize: 16384 });
  const decoded = d.decode(block);
  assert.equal(decoded.tooLarge, true);
  // 16384 / 4036 bytes a field: four fields kept, the 997 others neither built nor listed
  assert.equal(decoded.headers.length, 8);
  for (let i = 1; i < decoded.headers.length; i += 2) assert.equal(decoded.headers[i], value);
  assert.equal(d.table.length, 1);
  // the table is in sync: the next block refers to the entry
  assert.deepEqual(d.decode(hex('be 82')).headers, ['bomb', value, ':method', 'GET']);

  // literals without indexing past the limit are skipped, not built; a block that decodes to too many bytes is refused
  const literals = Buffer.concat(Array.from({ length: 100 }, () => new HpackEncoder().encode(['x-big', value])));
  const capped = decoder({ maxHeaderListSize: 8192, maxDecodedBytes: 100000 });
  assert.throws(
    () => capped.decode(Buffer.concat([literals, literals])),
    (error: unknown) => error instanceof HpackError && /too many bytes/.test(error.message),
  );
});

test('encoder: static matches, dynamic matches, never-indexed names, Huffman only when shorter', () => {
  const encoder = new HpackEncoder();
  assert.equal(encoder.encode([':method', 'GET', ':path', '/', 'accept-encoding', 'gzip, deflate']).toString('hex'), '828490');
  const first = encoder.encode(['content-type', 'text/html', 'server', 'fulcrum']);
  const second = encoder.encode(['content-type', 'text/html', 'server', 'fulcrum']);
  assert.equal(second.toString('hex'), 'bfbe', 'both from the dynamic table');
  assert.ok(first.length > second.length);

  const secret = encoder.encode(['authorization', 'Bearer abc', 'set-cookie', 'a=b', 'cookie', 'c=d', 'x-token', 'not secret']);
  assert.equal(secret[0], 0x10 | 15, 'authorization: never indexed, static name 23 (15 + 8)');
  const d = decoder();
  d.decode(first);
  d.decode(second);
  assert.deepEqual(d.decode(secret).headers, ['authorization', 'Bearer abc', 'set-cookie', 'a=b', 'cookie', 'c=d', 'x-token', 'not secret']);
  assert.deepEqual(
    entries(encoder.table).map(([name]) => name),
    ['x-token', 'server', 'content-type'],
    'the sensitive fields stayed out of the table',
  );
  // a value that Huffman would lengthen is sent raw
  const raw = new HpackEncoder().encode(['x-a', '\u00ff\u00fe']);
  assert.equal(raw.toString('hex'), '4003' + Buffer.from('x-a').toString('hex') + '02fffe');
  // a latin1 byte round trip
  assert.deepEqual(decoder().decode(new HpackEncoder().encode(['x-bytes', '\u0000\u0080\u00ff\t'])).headers, ['x-bytes', '\u0000\u0080\u00ff\t']);
});

test('encodeResponse writes :status first, from the static table or a cached literal', () => {
  const encoder = new HpackEncoder();
  assert.equal(encoder.encodeResponse(200, []).toString('hex'), '88');
  assert.equal(encoder.encodeResponse(404, []).toString('hex'), '8d');
  const d = decoder();
  for (let status = 100; status <= 999; status += 7) {
    const block = encoder.encodeResponse(status, ['content-type', 'text/plain']);
    assert.deepEqual(d.decode(block).headers, [':status', String(status), 'content-type', 'text/plain']);
  }
  // the same bytes each time (not indexed, so nothing depends on the table)
  assert.deepEqual(encoder.encodeResponse(302, []), encoder.encodeResponse(302, []));
  assert.throws(() => encoder.encodeResponse(99, []), RangeError);
  assert.throws(() => encoder.encodeResponse(1000, []), RangeError);
  // the block is the caller's: a second block does not change the first
  const a = encoder.encodeResponse(201, ['x-n', '1']);
  const copy = Buffer.from(a);
  encoder.encodeResponse(500, ['x-n', '2']);
  assert.deepEqual(a, copy);
});

test('encoder table size: the peer lowering and raising its size, and a small own limit', () => {
  const encoder = new HpackEncoder();
  const d = decoder();
  d.decode(encoder.encode(['x-a', '1', 'x-b', '2']));
  encoder.setMaxTableSize(0);
  encoder.setMaxTableSize(4096);
  const block = encoder.encode(['x-a', '1']);
  assert.equal(block.subarray(0, 4).toString('hex'), '203fe11f', 'the smallest size, then the final one');
  assert.deepEqual(d.decode(block).headers, ['x-a', '1']);
  assert.deepEqual(entries(d.table), entries(encoder.table));
  assert.equal(encoder.encode(['x-a', '1']).toString('hex'), 'be');

  // the peer allows more than our limit: we keep to ours
  const small = new HpackEncoder(256);
  const peer = decoder({ maxTableSize: 65536 });
  const firstBlock = small.encode(['x-a', '1']);
  assert.equal(firstBlock[0], 0x3f, 'a size update down from the initial 4096');
  peer.decode(firstBlock);
  assert.equal(peer.table.maxSize, 256);
  small.setMaxTableSize(65536);
  assert.equal(small.encode(['x-a', '1']).toString('hex'), 'be', 'no update: the size did not change');
});

test('encoder and decoder tables agree over many blocks with evictions (deterministic random fields)', () => {
  let seed = 7;
  const random = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed % n);
  for (const tableSize of [0, 100, 256, 4096]) {
    const encoder = new HpackEncoder(tableSize);
    const d = decoder({ maxTableSize: tableSize });
    for (let round = 0; round < 300; round++) {
      const fields: string[] = [];
      for (let i = random(12); i >= 0; i--) fields.push('x-h' + random(30), 'v'.repeat(random(90)) + random(5));
      if (round % 50 === 49) encoder.setMaxTableSize(random(tableSize + 1));
      assert.deepEqual(d.decode(encoder.encode(fields)).headers, fields);
      assert.deepEqual(entries(d.table), entries(encoder.table), `table size ${tableSize}, round ${round}`);
      assert.ok(encoder.table.size <= encoder.table.maxSize);
    }
  }
});
