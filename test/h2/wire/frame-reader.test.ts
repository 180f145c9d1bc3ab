import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, FrameType } from '../../../src/http/h2/wire/constants.js';
import { FrameError, FrameReader, type FrameHandler } from '../../../src/http/h2/wire/frame-reader.js';
import { frameHeader, writeFrameHeader } from '../../../src/http/h2/wire/frame-writer.js';

interface Seen {
  type: number;
  flags: number;
  streamId: number;
  payload: string;
}

function collector(): FrameHandler & { frames: Seen[]; views: Buffer[] } {
  const frames: Seen[] = [];
  const views: Buffer[] = [];
  return {
    frames,
    views,
    onFrame(type, flags, streamId, payload) {
      frames.push({ type, flags, streamId, payload: payload.toString('latin1') });
      views.push(payload);
    },
  };
}

function frame(type: number, flags: number, streamId: number, payload: string): Buffer {
  const body = Buffer.from(payload, 'latin1');
  return Buffer.concat([frameHeader(body.length, type, flags, streamId), body]);
}

const SAMPLE: Seen[] = [
  { type: FrameType.SETTINGS, flags: 0, streamId: 0, payload: '' },
  { type: FrameType.HEADERS, flags: 5, streamId: 1, payload: 'header block' },
  { type: FrameType.DATA, flags: 0, streamId: 3, payload: 'x'.repeat(300) },
  { type: FrameType.PING, flags: 1, streamId: 0, payload: '12345678' },
  { type: FrameType.DATA, flags: 1, streamId: 0x7ffffffd, payload: 'end' },
];
const STREAM = Buffer.concat(SAMPLE.map((f) => frame(f.type, f.flags, f.streamId, f.payload)));

test('frames split at every byte boundary, in two and in three pieces', () => {
  for (let a = 0; a <= STREAM.length; a++) {
    const handler = collector();
    const reader = new FrameReader(handler, 16384);
    reader.push(STREAM.subarray(0, a));
    reader.push(STREAM.subarray(a));
    assert.deepEqual(handler.frames, SAMPLE, `split at ${a}`);
    assert.equal(reader.buffered, 0);
  }
  for (let a = 0; a < STREAM.length; a += 7) {
    for (let b = a; b <= STREAM.length; b += 5) {
      const handler = collector();
      const reader = new FrameReader(handler, 16384);
      reader.push(STREAM.subarray(0, a));
      reader.push(STREAM.subarray(a, b));
      reader.push(STREAM.subarray(b));
      assert.deepEqual(handler.frames, SAMPLE, `split at ${a} and ${b}`);
    }
  }
});

test('one byte at a time; buffered counts the bytes held', () => {
  const handler = collector();
  const reader = new FrameReader(handler, 16384);
  for (let i = 0; i < STREAM.length; i++) {
    // the chunk is overwritten after push: the reader must have copied what it keeps
    const scratch = Buffer.from([STREAM[i]!]);
    reader.push(scratch);
    scratch[0] = 0xee;
  }
  assert.deepEqual(handler.frames, SAMPLE);
  reader.push(STREAM.subarray(9, 20)); // all of the HEADERS frame but its last byte
  assert.equal(reader.buffered, 11);
});

test('many frames in one chunk are views into it (no copy); the reserved bit is masked off', () => {
  const handler = collector();
  const reader = new FrameReader(handler, 16384);
  const chunk = Buffer.from(STREAM);
  chunk[5] = chunk[5]! | 0x80; // reserved bit of the first frame's stream id
  reader.push(chunk);
  assert.deepEqual(handler.frames, SAMPLE);
  for (const view of handler.views) assert.equal(view.buffer, chunk.buffer);
});

test('a frame longer than the maximum is a FRAME_SIZE_ERROR, whole or split; the reader is stopped after it', () => {
  const big = frame(FrameType.DATA, 0, 1, 'y'.repeat(101));
  for (const split of [big.length, 2, 9]) {
    const reader = new FrameReader(collector(), 100);
    assert.throws(
      () => {
        reader.push(big.subarray(0, split));
        reader.push(big.subarray(split));
      },
      (error: unknown) => error instanceof FrameError && error.code === ErrorCode.FRAME_SIZE_ERROR,
    );
    assert.equal(reader.isStopped, true);
    reader.push(STREAM); // ignored
    assert.equal(reader.buffered, 0);
  }
  // exactly the maximum is fine, and a larger maximum can be set later
  const handler = collector();
  const reader = new FrameReader(handler, 100);
  reader.push(frame(FrameType.DATA, 0, 1, 'y'.repeat(100)));
  reader.setMaxFrameSize(200);
  reader.push(big);
  assert.equal(handler.frames.length, 2);
});

test('stop() inside the handler ends delivery mid-chunk', () => {
  const frames: number[] = [];
  const reader: FrameReader = new FrameReader(
    {
      onFrame(type) {
        frames.push(type);
        if (type === FrameType.HEADERS) reader.stop();
      },
    },
    16384,
  );
  reader.push(STREAM);
  assert.deepEqual(frames, [FrameType.SETTINGS, FrameType.HEADERS]);
  reader.push(STREAM);
  assert.equal(frames.length, 2);
});

test('a handler that throws: the error propagates and the next push goes on after that frame', () => {
  for (const split of [0, 20, 30, STREAM.length]) {
    const seen: Seen[] = [];
    let thrown = false;
    const reader = new FrameReader(
      {
        onFrame(type, flags, streamId, payload) {
          seen.push({ type, flags, streamId, payload: payload.toString('latin1') });
          if (type === FrameType.HEADERS && !thrown) {
            thrown = true;
            throw new Error('handler failed');
          }
        },
      },
      16384,
    );
    let failures = 0;
    for (const piece of [STREAM.subarray(0, split), STREAM.subarray(split), Buffer.alloc(0)]) {
      try {
        reader.push(piece);
      } catch (error) {
        assert.match((error as Error).message, /handler failed/);
        failures++;
      }
    }
    assert.equal(failures, 1);
    assert.deepEqual(seen, SAMPLE, `split at ${split}`);
  }
});

test('a large partial frame is assembled and the assembly buffer is reused for small ones', () => {
  const handler = collector();
  const reader = new FrameReader(handler, 1 << 20);
  const large = frame(FrameType.DATA, 0, 1, 'z'.repeat(100000));
  reader.push(large.subarray(0, 50000));
  reader.push(large.subarray(50000));
  const small = Buffer.concat([frame(FrameType.DATA, 0, 1, 'abc'), frame(FrameType.DATA, 0, 1, 'def')]);
  reader.push(small.subarray(0, 10));
  reader.push(small.subarray(10, 20));
  reader.push(small.subarray(20));
  assert.deepEqual(
    handler.frames.map((f) => f.payload.length),
    [100000, 3, 3],
  );
  assert.equal(handler.frames[2]!.payload, 'def');
});

test('writeFrameHeader writes at an offset and returns the offset after it', () => {
  const target = Buffer.alloc(20);
  assert.equal(writeFrameHeader(target, 3, 0x123456, 7, 0x25, 0xffffffff), 12);
  assert.deepEqual([...target.subarray(3, 12)], [0x12, 0x34, 0x56, 7, 0x25, 0x7f, 0xff, 0xff, 0xff]);
});
