// RFC 7541 Appendix C: every example, decoded from its hex, checked for the header list and the
// dynamic table after each block; and our encoder's output for the same lists decodes back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HpackDecoder, HpackEncoder } from '../../../src/http/h2/wire/hpack.js';
import { entries } from './hpack-helpers.js';

type Fields = Array<[string, string]>;
interface Step {
  hex: string;
  headers: Fields;
  /** the dynamic table after the block, newest first */
  table: Fields;
  size: number;
}

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const flat = (fields: Fields) => fields.flat();

function decoder(maxTableSize = 4096): HpackDecoder {
  return new HpackDecoder({ maxTableSize, maxHeaderListSize: 1 << 20, maxHeaders: 1000 });
}

function run(steps: Step[], maxTableSize = 4096): void {
  const d = decoder(maxTableSize);
  for (const [i, step] of steps.entries()) {
    const block = d.decode(hex(step.hex));
    assert.equal(block.tooLarge, false);
    assert.deepEqual(block.headers, flat(step.headers), `block ${i + 1}`);
    assert.deepEqual(entries(d.table), step.table, `table after block ${i + 1}`);
    assert.equal(d.table.size, step.size, `table size after block ${i + 1}`);
  }
}

test('C.2.1 literal field with indexing', () => {
  run([
    {
      hex: '400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572',
      headers: [['custom-key', 'custom-header']],
      table: [['custom-key', 'custom-header']],
      size: 55,
    },
  ]);
});

test('C.2.2 literal field without indexing', () => {
  run([{ hex: '040c 2f73 616d 706c 652f 7061 7468', headers: [[':path', '/sample/path']], table: [], size: 0 }]);
});

test('C.2.3 literal field never indexed', () => {
  run([{ hex: '1008 7061 7373 776f 7264 0673 6563 7265 74', headers: [['password', 'secret']], table: [], size: 0 }]);
});

test('C.2.4 indexed field', () => {
  run([{ hex: '82', headers: [[':method', 'GET']], table: [], size: 0 }]);
});

const REQUEST_1: Fields = [
  [':method', 'GET'],
  [':scheme', 'http'],
  [':path', '/'],
  [':authority', 'www.example.com'],
];
const REQUEST_2: Fields = [...REQUEST_1, ['cache-control', 'no-cache']];
const REQUEST_3: Fields = [
  [':method', 'GET'],
  [':scheme', 'https'],
  [':path', '/index.html'],
  [':authority', 'www.example.com'],
  ['custom-key', 'custom-value'],
];
const REQUEST_TABLES: Array<[Fields, number]> = [
  [[[':authority', 'www.example.com']], 57],
  [
    [
      ['cache-control', 'no-cache'],
      [':authority', 'www.example.com'],
    ],
    110,
  ],
  [
    [
      ['custom-key', 'custom-value'],
      ['cache-control', 'no-cache'],
      [':authority', 'www.example.com'],
    ],
    164,
  ],
];

function requests(hexes: string[]): Step[] {
  return [REQUEST_1, REQUEST_2, REQUEST_3].map((headers, i) => ({ hex: hexes[i]!, headers, table: REQUEST_TABLES[i]![0], size: REQUEST_TABLES[i]![1] }));
}

test('C.3 requests without Huffman, one decoder for the three', () => {
  run(requests(['8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d', '8286 84be 5808 6e6f 2d63 6163 6865', '8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65']));
});

test('C.4 requests with Huffman, one decoder for the three', () => {
  run(requests(['8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff', '8286 84be 5886 a8eb 1064 9cbf', '8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf']));
});

const RESPONSE_1: Fields = [
  [':status', '302'],
  ['cache-control', 'private'],
  ['date', 'Mon, 21 Oct 2013 20:13:21 GMT'],
  ['location', 'https://www.example.com'],
];
const RESPONSE_2: Fields = [
  [':status', '307'],
  ['cache-control', 'private'],
  ['date', 'Mon, 21 Oct 2013 20:13:21 GMT'],
  ['location', 'https://www.example.com'],
];
const RESPONSE_3: Fields = [
  [':status', '200'],
  ['cache-control', 'private'],
  ['date', 'Mon, 21 Oct 2013 20:13:22 GMT'],
  ['location', 'https://www.example.com'],
  ['content-encoding', 'gzip'],
  ['set-cookie', 'foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1'],
];
const RESPONSE_TABLES: Array<[Fields, number]> = [
  [
    [
      ['location', 'https://www.example.com'],
      ['date', 'Mon, 21 Oct 2013 20:13:21 GMT'],
      ['cache-control', 'private'],
      [':status', '302'],
    ],
    222,
  ],
  [
    // :status 302 evicted
    [
      [':status', '307'],
      ['location', 'https://www.example.com'],
      ['date', 'Mon, 21 Oct 2013 20:13:21 GMT'],
      ['cache-control', 'private'],
    ],
    222,
  ],
  [
    // three evictions, three additions
    [
      ['set-cookie', 'foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1'],
      ['content-encoding', 'gzip'],
      ['date', 'Mon, 21 Oct 2013 20:13:22 GMT'],
    ],
    215,
  ],
];

function responses(hexes: string[]): Step[] {
  return [RESPONSE_1, RESPONSE_2, RESPONSE_3].map((headers, i) => ({ hex: hexes[i]!, headers, table: RESPONSE_TABLES[i]![0], size: RESPONSE_TABLES[i]![1] }));
}

test('C.5 responses without Huffman, a 256-byte table with evictions', () => {
  run(
    responses([
      '4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70 6c65 2e63 6f6d',
      '4803 3330 37c1 c0bf',
      '88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d 54c0 5a04 677a 6970 7738 666f 6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049 5541 5851 5745 4f49 553b 206d 6178 2d61 6765 3d33 3630 303b 2076 6572 7369 6f6e 3d31',
    ]),
    256,
  );
});

test('C.6 responses with Huffman, a 256-byte table with evictions', () => {
  run(
    responses([
      '4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6 2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3',
      '4883 640e ffc1 c0bf',
      '88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab 77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f 9587 3160 65c0 03ed 4ee5 b106 3d50 07',
    ]),
    256,
  );
});

test('our encoder: the RFC request and response sequences decode back, sharing state both ways', () => {
  for (const [lists, tableSize] of [
    [[REQUEST_1, REQUEST_2, REQUEST_3], 4096],
    [[RESPONSE_1, RESPONSE_2, RESPONSE_3], 256],
  ] as const) {
    const encoder = new HpackEncoder(tableSize);
    const d = decoder(tableSize);
    for (const list of lists) {
      const block = encoder.encode(flat(list));
      assert.deepEqual(d.decode(block).headers, flat(list));
      assert.deepEqual(entries(d.table), entries(encoder.table), 'both tables agree');
      assert.equal(d.table.size, encoder.table.size);
      assert.ok(d.table.size <= tableSize);
    }
  }
});
