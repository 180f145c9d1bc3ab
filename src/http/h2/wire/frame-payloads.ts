import { ErrorCode, Flag, MAX_ALLOWED_FRAME_SIZE, MAX_WINDOW, DEFAULT_MAX_FRAME_SIZE, Setting } from './constants.js';
import { FrameError, StreamError } from './frame-error.js';

// Parsers of the fixed-layout frame payloads (RFC 9113 §6). Frame-level rules that need the
// connection's state (stream 0 or not, ACK with a payload, increment 0) stay with the caller.

/** SETTINGS: the known settings in wire order, validated; unknown identifiers are left out (§6.5.2). */
export function parseSettings(payload: Buffer): Array<[number, number]> {
  if (payload.length % 6 !== 0) throw new FrameError(ErrorCode.FRAME_SIZE_ERROR, 'SETTINGS length is not a multiple of 6');
  const settings: Array<[number, number]> = [];
  for (let o = 0; o < payload.length; o += 6) {
    const id = payload.readUInt16BE(o);
    const value = payload.readUInt32BE(o + 2);
    switch (id) {
      case Setting.ENABLE_PUSH:
      case Setting.ENABLE_CONNECT_PROTOCOL:
        if (value > 1) throw new FrameError(ErrorCode.PROTOCOL_ERROR, `SETTINGS ${id} must be 0 or 1, got ${value}`);
        break;
      case Setting.INITIAL_WINDOW_SIZE:
        if (value > MAX_WINDOW) throw new FrameError(ErrorCode.FLOW_CONTROL_ERROR, `SETTINGS_INITIAL_WINDOW_SIZE ${value} above 2^31-1`);
        break;
      case Setting.MAX_FRAME_SIZE:
        if (value < DEFAULT_MAX_FRAME_SIZE || value > MAX_ALLOWED_FRAME_SIZE) throw new FrameError(ErrorCode.PROTOCOL_ERROR, `SETTINGS_MAX_FRAME_SIZE ${value} out of range`);
        break;
      case Setting.HEADER_TABLE_SIZE:
      case Setting.MAX_CONCURRENT_STREAMS:
      case Setting.MAX_HEADER_LIST_SIZE:
        break;
      default:
        continue;
    }
    settings.push([id, value]);
  }
  return settings;
}

/** WINDOW_UPDATE: the increment (0 is for the caller to judge: a stream or a connection error). */
export function parseWindowUpdate(payload: Buffer): number {
  if (payload.length !== 4) throw new FrameError(ErrorCode.FRAME_SIZE_ERROR, 'WINDOW_UPDATE length is not 4');
  return payload.readUInt32BE(0) & 0x7fffffff;
}

/** RST_STREAM: the error code. */
export function parseRstStream(payload: Buffer): number {
  if (payload.length !== 4) throw new FrameError(ErrorCode.FRAME_SIZE_ERROR, 'RST_STREAM length is not 4');
  return payload.readUInt32BE(0);
}

export interface Goaway {
  lastStreamId: number;
  code: number;
  /** opaque debug data: a view into the payload, valid as long as it is */
  debug: Buffer;
}

export function parseGoaway(payload: Buffer): Goaway {
  if (payload.length < 8) throw new FrameError(ErrorCode.FRAME_SIZE_ERROR, 'GOAWAY shorter than 8 bytes');
  return { lastStreamId: payload.readUInt32BE(0) & 0x7fffffff, code: payload.readUInt32BE(4), debug: payload.subarray(8) };
}

/** PING: checks the length; the 8 bytes are the payload itself (echoed in the ACK). */
export function parsePing(payload: Buffer): Buffer {
  if (payload.length !== 8) throw new FrameError(ErrorCode.FRAME_SIZE_ERROR, 'PING length is not 8');
  return payload;
}

export interface Priority {
  /** the stream depended on (31 bits) */
  dependency: number;
  exclusive: boolean;
  /** 1..256 */
  weight: number;
}

/**
 * PRIORITY (deprecated by RFC 9113 but still to be parsed): a wrong length is a stream error.
 * Pass `streamId` to refuse a stream depending on itself (a stream error, §5.3.1 of RFC 7540).
 */
export function parsePriority(payload: Buffer, streamId = 0): Priority {
  if (payload.length !== 5) throw new StreamError(ErrorCode.FRAME_SIZE_ERROR, 'PRIORITY length is not 5');
  const word = payload.readUInt32BE(0);
  const dependency = word & 0x7fffffff;
  if (streamId !== 0 && dependency === streamId) throw new StreamError(ErrorCode.PROTOCOL_ERROR, `stream ${streamId} depends on itself`);
  return { dependency, exclusive: word >>> 31 === 1, weight: payload[4]! + 1 };
}

/**
 * DATA or HEADERS without its padding (§6.1): a view, no copy. Flow control counts the whole
 * payload, padding included, so the caller keeps the original length for that.
 */
export function stripPadding(flags: number, payload: Buffer): Buffer {
  if ((flags & Flag.PADDED) === 0) return payload;
  if (payload.length === 0) throw new FrameError(ErrorCode.FRAME_SIZE_ERROR, 'PADDED frame without a pad length');
  const padLength = payload[0]!;
  if (padLength >= payload.length) throw new FrameError(ErrorCode.PROTOCOL_ERROR, 'padding as long as the payload');
  return payload.subarray(1, payload.length - padLength);
}

/**
 * The field block fragment of a HEADERS frame: padding and the 5-byte priority part removed (§6.2).
 * With `streamId`, a priority part naming the stream itself is refused (a stream error, PROTOCOL_ERROR).
 */
export function headersFragment(flags: number, payload: Buffer, streamId = 0): Buffer {
  let start = 0;
  let end = payload.length;
  if ((flags & Flag.PADDED) !== 0) {
    if (payload.length === 0) throw new FrameError(ErrorCode.FRAME_SIZE_ERROR, 'PADDED HEADERS without a pad length');
    start = 1;
    end -= payload[0]!;
  }
  if ((flags & Flag.PRIORITY) !== 0) {
    if (payload.length < start + 5) throw new FrameError(ErrorCode.FRAME_SIZE_ERROR, 'HEADERS too short for its priority');
    if (streamId !== 0 && (payload.readUInt32BE(start) & 0x7fffffff) === streamId) {
      throw new StreamError(ErrorCode.PROTOCOL_ERROR, `stream ${streamId} depends on itself`);
    }
    start += 5;
  }
  if (end < start) throw new FrameError(ErrorCode.PROTOCOL_ERROR, 'padding longer than the HEADERS payload');
  return payload.subarray(start, end);
}

/** The stream a HEADERS frame's priority part depends on, or -1 without one (padding already checked by headersFragment). */
export function headersDependency(flags: number, payload: Buffer): number {
  if ((flags & Flag.PRIORITY) === 0) return -1;
  const at = (flags & Flag.PADDED) !== 0 ? 1 : 0;
  if (payload.length < at + 5) return -1;
  return payload.readUInt32BE(at) & 0x7fffffff;
}
