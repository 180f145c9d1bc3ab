import { Flag, FRAME_HEADER_SIZE, FrameType, MAX_WINDOW } from './constants.js';

// the parsers of the same payloads, for a connection layer that imports both directions from here
export * from './frame-payloads.js';

/** Writes a 9-byte frame header at `offset`; returns the offset after it. */
export function writeFrameHeader(target: Buffer, offset: number, length: number, type: number, flags: number, streamId: number): number {
  target[offset] = length >>> 16;
  target[offset + 1] = length >>> 8;
  target[offset + 2] = length;
  target[offset + 3] = type;
  target[offset + 4] = flags;
  target.writeUInt32BE(streamId & 0x7fffffff, offset + 5);
  return offset + FRAME_HEADER_SIZE;
}

export function frameHeader(length: number, type: number, flags: number, streamId: number): Buffer {
  const header = Buffer.allocUnsafe(FRAME_HEADER_SIZE);
  writeFrameHeader(header, 0, length, type, flags, streamId);
  return header;
}

/** The header of a DATA frame: the caller writes the payload after it (writev or cork), never copied. */
export function dataFrameHeader(streamId: number, length: number, endStream: boolean): Buffer {
  return frameHeader(length, FrameType.DATA, endStream ? Flag.END_STREAM : 0, streamId);
}

export function settingsFrame(settings: ReadonlyArray<readonly [number, number]>): Buffer {
  const frame = Buffer.allocUnsafe(FRAME_HEADER_SIZE + settings.length * 6);
  let o = writeFrameHeader(frame, 0, settings.length * 6, FrameType.SETTINGS, 0, 0);
  for (const [id, value] of settings) {
    frame.writeUInt16BE(id, o);
    frame.writeUInt32BE(value, o + 2);
    o += 6;
  }
  return frame;
}

export function settingsAck(): Buffer {
  return frameHeader(0, FrameType.SETTINGS, Flag.ACK, 0);
}

export function pingFrame(payload8: Buffer, ack: boolean): Buffer {
  if (payload8.length !== 8) throw new RangeError('a PING payload is 8 bytes');
  const frame = Buffer.allocUnsafe(FRAME_HEADER_SIZE + 8);
  writeFrameHeader(frame, 0, 8, FrameType.PING, ack ? Flag.ACK : 0, 0);
  payload8.copy(frame, FRAME_HEADER_SIZE);
  return frame;
}

/** GOAWAY; `debug` is opaque diagnostic text, sent as UTF-8. */
export function goawayFrame(lastStreamId: number, code: number, debug?: string): Buffer {
  const debugLength = debug === undefined ? 0 : Buffer.byteLength(debug);
  const frame = Buffer.allocUnsafe(FRAME_HEADER_SIZE + 8 + debugLength);
  const o = writeFrameHeader(frame, 0, 8 + debugLength, FrameType.GOAWAY, 0, 0);
  frame.writeUInt32BE(lastStreamId & 0x7fffffff, o);
  frame.writeUInt32BE(code, o + 4);
  if (debug !== undefined) frame.write(debug, o + 8);
  return frame;
}

export function rstStreamFrame(streamId: number, code: number): Buffer {
  const frame = Buffer.allocUnsafe(FRAME_HEADER_SIZE + 4);
  frame.writeUInt32BE(code, writeFrameHeader(frame, 0, 4, FrameType.RST_STREAM, 0, streamId));
  return frame;
}

/** `increment` from 1 to 2^31 - 1 (0 is a peer's error, never ours to send). */
export function windowUpdateFrame(streamId: number, increment: number): Buffer {
  if (increment < 1 || increment > MAX_WINDOW) throw new RangeError(`invalid window increment ${increment}`);
  const frame = Buffer.allocUnsafe(FRAME_HEADER_SIZE + 4);
  frame.writeUInt32BE(increment, writeFrameHeader(frame, 0, 4, FrameType.WINDOW_UPDATE, 0, streamId));
  return frame;
}

/**
 * A field block as one HEADERS frame followed by as many CONTINUATION frames as `maxFrameSize`
 * (the peer's SETTINGS_MAX_FRAME_SIZE) requires, all in one Buffer so that nothing can be
 * interleaved between them (RFC 9113 §6.10).
 */
export function headersFrames(streamId: number, block: Buffer, endStream: boolean, maxFrameSize: number): Buffer {
  const frames = block.length === 0 ? 1 : Math.ceil(block.length / maxFrameSize);
  const out = Buffer.allocUnsafe(block.length + frames * FRAME_HEADER_SIZE);
  let o = 0;
  let from = 0;
  for (let i = 0; i < frames; i++) {
    const length = Math.min(maxFrameSize, block.length - from);
    let flags = i === frames - 1 ? Flag.END_HEADERS : 0;
    if (i === 0 && endStream) flags |= Flag.END_STREAM;
    o = writeFrameHeader(out, o, length, i === 0 ? FrameType.HEADERS : FrameType.CONTINUATION, flags, streamId);
    o += block.copy(out, o, from, from + length);
    from += length;
  }
  return out;
}
