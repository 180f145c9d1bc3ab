import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CONNECTION_PREFACE, ErrorCode, Flag, FrameType, Setting } from '../../../src/http/h2/wire/constants.js';
import { FrameError, FrameReader, StreamError } from '../../../src/http/h2/wire/frame-reader.js';
import {
  dataFrameHeader,
  goawayFrame,
  headersDependency,
  headersFragment,
  headersFrames,
  parseGoaway,
  parsePing,
  parsePriority,
  parseRstStream,
  parseSettings,
  parseWindowUpdate,
  pingFrame,
  rstStreamFrame,
  settingsAck,
  settingsFrame,
  stripPadding,
  windowUpdateFrame,
} from '../../../src/http/h2/wire/frame-writer.js';

interface Frame {
  type: number;
  flags: number;
  streamId: number;
  payload: Buffer;
}

function readAll(bytes: Buffer): Frame[] {
  const frames: Frame[] = [];
  new FrameReader({ onFrame: (type, flags, streamId, payload) => frames.push({ type, flags, streamId, payload: Buffer.from(payload) }) }, 1 << 24).push(bytes);
  return frames;
}

function only(bytes: Buffer): Frame {
  const frames = readAll(bytes);
  assert.equal(frames.length, 1);
  return frames[0]!;
}

function rejects(fn: () => unknown, code: number, kind: typeof FrameError = FrameError): void {
  assert.throws(fn, (error: unknown) => error instanceof kind && error.code === code);
}

test('the preface is the 24 bytes of RFC 9113 §3.4', () => {
  assert.equal(CONNECTION_PREFACE.toString('hex'), '505249202a20485454502f322e300d0a0d0a534d0d0a0d0a');
});

test('SETTINGS round trip; ACK; unknown ids are ignored', () => {
  const settings: Array<[number, number]> = [
    [Setting.HEADER_TABLE_SIZE, 0],
    [Setting.ENABLE_PUSH, 0],
    [Setting.MAX_CONCURRENT_STREAMS, 100],
    [Setting.INITIAL_WINDOW_SIZE, 0x7fffffff],
    [Setting.MAX_FRAME_SIZE, 16777215],
    [Setting.MAX_HEADER_LIST_SIZE, 65536],
    [Setting.ENABLE_CONNECT_PROTOCOL, 1],
  ];
  const frame = only(settingsFrame(settings));
  assert.equal(frame.type, FrameType.SETTINGS);
  assert.equal(frame.streamId, 0);
  assert.deepEqual(parseSettings(frame.payload), settings);
  const withUnknown = Buffer.concat([settingsFrame([[0x99, 7]]).subarray(9), frame.payload]);
  assert.deepEqual(parseSettings(withUnknown), settings);
  assert.deepEqual(only(settingsAck()), { type: FrameType.SETTINGS, flags: Flag.ACK, streamId: 0, payload: Buffer.alloc(0) });
});

test('SETTINGS rejections', () => {
  const payload = (id: number, value: number) => settingsFrame([[id, value]]).subarray(9);
  rejects(() => parseSettings(Buffer.alloc(5)), ErrorCode.FRAME_SIZE_ERROR);
  rejects(() => parseSettings(payload(Setting.ENABLE_PUSH, 2)), ErrorCode.PROTOCOL_ERROR);
  rejects(() => parseSettings(payload(Setting.ENABLE_CONNECT_PROTOCOL, 2)), ErrorCode.PROTOCOL_ERROR);
  rejects(() => parseSettings(payload(Setting.INITIAL_WINDOW_SIZE, 0x80000000)), ErrorCode.FLOW_CONTROL_ERROR);
  rejects(() => parseSettings(payload(Setting.MAX_FRAME_SIZE, 16383)), ErrorCode.PROTOCOL_ERROR);
  rejects(() => parseSettings(payload(Setting.MAX_FRAME_SIZE, 16777216)), ErrorCode.PROTOCOL_ERROR);
});

test('PING, GOAWAY, RST_STREAM, WINDOW_UPDATE round trips and length checks', () => {
  const ping = only(pingFrame(Buffer.from('abcdefgh'), true));
  assert.equal(ping.flags, Flag.ACK);
  assert.equal(parsePing(ping.payload).toString(), 'abcdefgh');
  assert.equal(only(pingFrame(Buffer.from('abcdefgh'), false)).flags, 0);
  rejects(() => parsePing(Buffer.alloc(7)), ErrorCode.FRAME_SIZE_ERROR);
  assert.throws(() => pingFrame(Buffer.alloc(9), false), RangeError);

  const goaway = only(goawayFrame(0x7fffffff, ErrorCode.ENHANCE_YOUR_CALM, 'too many resets é'));
  assert.equal(goaway.type, FrameType.GOAWAY);
  const parsed = parseGoaway(goaway.payload);
  assert.equal(parsed.lastStreamId, 0x7fffffff);
  assert.equal(parsed.code, ErrorCode.ENHANCE_YOUR_CALM);
  assert.equal(parsed.debug.toString(), 'too many resets é');
  assert.equal(parseGoaway(only(goawayFrame(5, 0)).payload).debug.length, 0);
  rejects(() => parseGoaway(Buffer.alloc(7)), ErrorCode.FRAME_SIZE_ERROR);

  const rst = only(rstStreamFrame(7, ErrorCode.CANCEL));
  assert.deepEqual([rst.type, rst.streamId, parseRstStream(rst.payload)], [FrameType.RST_STREAM, 7, ErrorCode.CANCEL]);
  rejects(() => parseRstStream(Buffer.alloc(5)), ErrorCode.FRAME_SIZE_ERROR);

  const update = only(windowUpdateFrame(0, 0x7fffffff));
  assert.deepEqual([update.type, update.streamId, parseWindowUpdate(update.payload)], [FrameType.WINDOW_UPDATE, 0, 0x7fffffff]);
  assert.equal(parseWindowUpdate(Buffer.from([0x80, 0, 0, 0])), 0, 'the reserved bit is ignored; 0 is the caller to judge');
  rejects(() => parseWindowUpdate(Buffer.alloc(3)), ErrorCode.FRAME_SIZE_ERROR);
  assert.throws(() => windowUpdateFrame(1, 0), RangeError);
});

test('PRIORITY: parsed, wrong length and self-dependency are stream errors', () => {
  assert.deepEqual(parsePriority(Buffer.from([0x80, 0, 0, 3, 15])), { dependency: 3, exclusive: true, weight: 16 });
  rejects(() => parsePriority(Buffer.alloc(4)), ErrorCode.FRAME_SIZE_ERROR, StreamError);
  rejects(() => parsePriority(Buffer.from([0, 0, 0, 5, 0]), 5), ErrorCode.PROTOCOL_ERROR, StreamError);
});

test('DATA header for a body written separately', () => {
  const header = dataFrameHeader(3, 5, true);
  const frame = only(Buffer.concat([header, Buffer.from('hello')]));
  assert.deepEqual([frame.type, frame.flags, frame.streamId, frame.payload.toString()], [FrameType.DATA, Flag.END_STREAM, 3, 'hello']);
  assert.equal(dataFrameHeader(3, 0, false)[4], 0);
});

test('HEADERS split into CONTINUATION frames at the maximum frame size', () => {
  const block = Buffer.from('0123456789'.repeat(5));
  for (const [max, count] of [
    [100, 1],
    [50, 1],
    [49, 2],
    [10, 5],
    [7, 8],
  ] as const) {
    const frames = readAll(headersFrames(9, block, true, max));
    assert.equal(frames.length, count, `max ${max}`);
    assert.deepEqual(
      frames.map((f) => f.type),
      [FrameType.HEADERS, ...Array(count - 1).fill(FrameType.CONTINUATION)],
    );
    assert.equal(frames[0]!.flags & Flag.END_STREAM, Flag.END_STREAM);
    frames.forEach((f, i) => assert.equal(f.flags & Flag.END_HEADERS, i === count - 1 ? Flag.END_HEADERS : 0));
    frames.slice(1).forEach((f) => assert.equal(f.flags & Flag.END_STREAM, 0));
    frames.forEach((f) => assert.equal(f.streamId, 9));
    assert.deepEqual(Buffer.concat(frames.map((f) => f.payload)), block);
  }
  const empty = readAll(headersFrames(1, Buffer.alloc(0), false, 16384));
  assert.deepEqual(
    empty.map((f) => [f.type, f.flags, f.payload.length]),
    [[FrameType.HEADERS, Flag.END_HEADERS, 0]],
  );
});

test('padding is stripped as a view; padding too long is a PROTOCOL_ERROR', () => {
  const padded = Buffer.from([3, 0x61, 0x62, 0, 0, 0]);
  const data = stripPadding(Flag.PADDED, padded);
  assert.equal(data.toString(), 'ab');
  assert.equal(data.buffer, padded.buffer);
  assert.equal(stripPadding(0, padded), padded);
  assert.equal(stripPadding(Flag.PADDED, Buffer.from([0])).length, 0);
  assert.equal(stripPadding(Flag.PADDED, Buffer.from([2, 0, 0])).length, 0);
  rejects(() => stripPadding(Flag.PADDED, Buffer.from([3, 0, 0])), ErrorCode.PROTOCOL_ERROR);
  rejects(() => stripPadding(Flag.PADDED, Buffer.alloc(0)), ErrorCode.FRAME_SIZE_ERROR);
});

test('HEADERS fragment without padding and priority; self-dependency refused', () => {
  const priority = [0x80, 0, 0, 1, 200];
  const both = Buffer.from([2, ...priority, 0x82, 0x84, 0, 0]);
  assert.deepEqual([...headersFragment(Flag.PADDED | Flag.PRIORITY, both, 3)], [0x82, 0x84]);
  assert.equal(headersDependency(Flag.PADDED | Flag.PRIORITY, both), 1);
  assert.equal(headersDependency(Flag.PADDED, both), -1);
  assert.deepEqual([...headersFragment(Flag.PRIORITY, Buffer.from([...priority, 0x82]))], [0x82]);
  assert.deepEqual([...headersFragment(0, Buffer.from([0x82]))], [0x82]);
  rejects(() => headersFragment(Flag.PRIORITY, Buffer.from([...priority, 0x82]), 1), ErrorCode.PROTOCOL_ERROR, StreamError);
  rejects(() => headersFragment(Flag.PRIORITY, Buffer.from([0, 0, 0])), ErrorCode.FRAME_SIZE_ERROR);
  rejects(() => headersFragment(Flag.PADDED | Flag.PRIORITY, Buffer.from([1, ...priority])), ErrorCode.PROTOCOL_ERROR);
  rejects(() => headersFragment(Flag.PADDED, Buffer.from([1])), ErrorCode.PROTOCOL_ERROR);
  rejects(() => headersFragment(Flag.PADDED, Buffer.alloc(0)), ErrorCode.FRAME_SIZE_ERROR);
});
