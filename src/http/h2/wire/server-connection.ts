// Fulcrum's own HTTP/2 server connection (RFC 9113) on a net.Socket, plain or TLS: the client
// preface, SETTINGS, PING, GOAWAY, stream states (§5.1), header blocks with CONTINUATION, flow
// control both ways, and the limits against hostile peers (rapid reset, CONTINUATION floods,
// control-frame floods, window abuse). Streams are plain objects (server-stream.ts); frames go out
// in one write per event-loop turn.
import type net from 'node:net';
import { CONNECTION_PREFACE, DEFAULT_MAX_FRAME_SIZE, DEFAULT_WINDOW, ErrorCode, Flag, FrameType, MAX_WINDOW, Setting } from './constants.js';
import { FrameError, FrameReader, StreamError, type FrameHandler } from './frame-reader.js';
import {
  dataFrameHeader,
  goawayFrame,
  headersFragment,
  headersFrames,
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
} from './frame-writer.js';
import { HpackDecoder, HpackEncoder, HpackError } from './hpack.js';
import { ServerStream, type StreamConnection } from './server-stream.js';

export interface ServerConnectionOptions {
  maxConcurrentStreams: number;
  /** SETTINGS_MAX_HEADER_LIST_SIZE: a longer decoded list is refused with 431 */
  maxHeaderListSize: number;
  /** fields per header block beyond which decoding stops (431) */
  maxHeaders: number;
  /** our SETTINGS_INITIAL_WINDOW_SIZE: request body a stream may have in flight */
  initialWindowSize: number;
  /** our SETTINGS_MAX_FRAME_SIZE */
  maxFrameSize: number;
  maxResetsPerWindow: number;
  resetWindowMs: number;
  /** until the preface and a header block are complete */
  headerTimeoutMs: number;
  /** without any traffic: GOAWAY, streams in progress finish */
  idleTimeoutMs: number;
}

/** What the connection tells its user (the frontend). */
export interface ServerConnectionHandler {
  /** A new request: `headers` flat (pseudo-headers included), or null when the list is over maxHeaderListSize. */
  onStream(stream: ServerStream, headers: string[] | null): void;
  /** The socket is closed and every stream with it. */
  onClose(): void;
}

/** CONTINUATION frames after a HEADERS frame before the block is taken as a flood */
const MAX_CONTINUATIONS = 64;
/** control frames (acks, resets) queued while the client doesn't read, before it is cut off */
const MAX_QUEUED_CONTROL = 1000;
/** response bytes put on the socket per turn before yielding to other connections */
const WRITE_BUDGET = 256 * 1024;
/** ids of streams we reset lately, whose in-flight frames are ignored */
const RECENT_RESETS = 32;
/** a socket that was told GOAWAY for an error and keeps sending is destroyed after this */
const LINGER_MS = 1000;

export class ServerConnection implements FrameHandler, StreamConnection {
  readonly streams = new Map<number, ServerStream>();
  private readonly reader: FrameReader;
  private readonly decoder: HpackDecoder;
  private readonly encoder = new HpackEncoder();
  private prefaceBytes = 0;
  private settingsSeen = false;
  /** the highest stream id the client opened */
  private lastStreamId = 0;
  /** GOAWAY sent: no new streams; the socket ends when the last stream does */
  private goingAway = false;
  private closed = false;
  // header block assembly (HEADERS then CONTINUATION on the same stream)
  private blockStream = 0;
  private blockEndStream = false;
  private blockParts: Buffer[] = [];
  private blockBytes = 0;
  private continuations = 0;
  private headerTimer: NodeJS.Timeout | null = null;
  // flow control
  private connRecvWindow: number;
  private connUnacked = 0;
  private readonly connWindowSize: number;
  private connSendWindow = DEFAULT_WINDOW;
  private peerInitialWindow = DEFAULT_WINDOW;
  private peerMaxFrameSize = DEFAULT_MAX_FRAME_SIZE;
  // output
  private out: Buffer[] = [];
  private outBytes = 0;
  private flushScheduled = false;
  private socketBlocked = false;
  private controlWhileBlocked = 0;
  private readonly sendList: ServerStream[] = [];
  private readonly recentResets: number[] = [];
  // rapid reset
  private resets = 0;
  private resetWindowStart = 0;
  /** the chunk being read: payloads outside it live in the reader's reused buffer */
  private chunk: Buffer | null = null;

  constructor(
    readonly socket: net.Socket,
    private readonly options: ServerConnectionOptions,
    private readonly handler: ServerConnectionHandler,
  ) {
    this.reader = new FrameReader(this, options.maxFrameSize);
    this.decoder = new HpackDecoder({ maxTableSize: 4096, maxHeaderListSize: options.maxHeaderListSize, maxHeaders: options.maxHeaders });
    this.connWindowSize = Math.min(MAX_WINDOW, Math.max(DEFAULT_WINDOW, options.initialWindowSize * options.maxConcurrentStreams));
    this.connRecvWindow = this.connWindowSize;
    const settings: Array<[number, number]> = [
      [Setting.MAX_CONCURRENT_STREAMS, options.maxConcurrentStreams],
      [Setting.INITIAL_WINDOW_SIZE, options.initialWindowSize],
      [Setting.MAX_HEADER_LIST_SIZE, options.maxHeaderListSize],
      [Setting.ENABLE_PUSH, 0],
    ];
    if (options.maxFrameSize !== DEFAULT_MAX_FRAME_SIZE) settings.push([Setting.MAX_FRAME_SIZE, options.maxFrameSize]);
    this.queue(settingsFrame(settings));
    if (this.connWindowSize > DEFAULT_WINDOW) this.queue(windowUpdateFrame(0, this.connWindowSize - DEFAULT_WINDOW));
    socket.setNoDelay(true);
    socket.setTimeout(options.headerTimeoutMs);
    socket.on('data', this.onData);
    socket.on('drain', this.onDrain);
    socket.on('timeout', this.onTimeout);
    socket.on('end', this.onEnd);
    socket.on('error', this.onSocketError);
    socket.on('close', this.onSocketClose);
    socket.resume();
  }

  /** Graceful: GOAWAY, the streams in progress finish, then the socket ends. */
  close(): void {
    if (this.goingAway || this.closed) return;
    this.goingAway = true;
    this.queue(goawayFrame(this.lastStreamId, ErrorCode.NO_ERROR));
    this.endWhenIdle();
  }

  destroy(): void {
    this.socket.destroy();
  }

  // --- reading ---

  private readonly onData = (chunk: Buffer): void => {
    if (this.closed) return;
    let at = 0;
    if (this.prefaceBytes < CONNECTION_PREFACE.length) {
      const n = Math.min(CONNECTION_PREFACE.length - this.prefaceBytes, chunk.length);
      if (chunk.compare(CONNECTION_PREFACE, this.prefaceBytes, this.prefaceBytes + n, 0, n) !== 0) {
        this.fail(ErrorCode.PROTOCOL_ERROR);
        return;
      }
      this.prefaceBytes += n;
      if (n === chunk.length) return;
      at = n;
    }
    this.chunk = chunk;
    try {
      this.reader.push(at === 0 ? chunk : chunk.subarray(at));
    } catch (error) {
      if (!(error instanceof FrameError) && !(error instanceof HpackError)) throw error;
      this.fail(error instanceof FrameError ? error.code : ErrorCode.COMPRESSION_ERROR);
    }
    this.chunk = null;
  };

  onFrame(type: number, flags: number, streamId: number, payload: Buffer): void {
    if (this.closed) return;
    if (this.blockStream !== 0 && type !== FrameType.CONTINUATION) throw new FrameError(ErrorCode.PROTOCOL_ERROR, 'header block interrupted');
    if (!this.settingsSeen) {
      if (type !== FrameType.SETTINGS || (flags & Flag.ACK) !== 0) throw new FrameError(ErrorCode.PROTOCOL_ERROR, 'the preface must be followed by SETTINGS');
      this.settingsSeen = true;
      this.socket.setTimeout(this.options.idleTimeoutMs);
    }
    switch (type) {
      case FrameType.DATA:
        return this.onDataFrame(flags, streamId, payload);
      case FrameType.HEADERS:
        return this.onHeaders(flags, streamId, payload);
      case FrameType.CONTINUATION:
        return this.onContinuation(flags, streamId, payload);
      case FrameType.RST_STREAM:
        return this.onRstStream(streamId, payload);
      case FrameType.SETTINGS:
        return this.onSettings(flags, streamId, payload);
      case FrameType.PING:
        if (streamId !== 0) throw new FrameError(ErrorCode.PROTOCOL_ERROR, 'PING on a stream');
        if (payload.length !== 8) throw new FrameError(ErrorCode.FRAME_SIZE_ERROR, 'PING of the wrong size');
        if ((flags & Flag.ACK) === 0) this.queueControl(pingFrame(payload, true));
        return;
      case FrameType.GOAWAY:
        if (streamId !== 0) throw new FrameError(ErrorCode.PROTOCOL_ERROR, 'GOAWAY on a stream');
        this.goingAway = true;
        this.endWhenIdle();
        return;
      case FrameType.WINDOW_UPDATE:
        return this.onWindowUpdate(streamId, payload);
      case FrameType.PRIORITY:
        if (streamId === 0) throw new FrameError(ErrorCode.PROTOCOL_ERROR, 'PRIORITY on stream 0');
        try {
          parsePriority(payload, streamId); // priorities are not acted on
        } catch (error) {
          if (!(error instanceof StreamError)) throw error;
          this.refuseFrame(streamId, error.code);
        }
        return;
      case FrameType.PUSH_PROMISE:
        throw new FrameError(ErrorCode.PROTOCOL_ERROR, 'PUSH_PROMISE from a client');
      default:
        return; // unknown frame types are ignored (RFC 9113 5.5)
    }
  }

  private onHeaders(flags: number, id: number, payload: Buffer): void {
    if (id === 0 || (id & 1) === 0) throw new FrameError(ErrorCode.PROTOCOL_ERROR, 'HEADERS on an even or zero stream id');
    const fragment = headersFragment(flags, payload, id);
    const endStream = (flags & Flag.END_STREAM) !== 0;
    if ((flags & Flag.END_HEADERS) !== 0) {
      this.headerBlock(id, endStream, fragment);
      return;
    }
    this.blockStream = id;
    this.blockEndStream = endStream;
    this.blockParts = [Buffer.from(fragment)];
    this.blockBytes = fragment.length;
    this.continuations = 0;
    this.headerTimer = setTimeout(this.onHeaderTimeout, this.options.headerTimeoutMs);
    this.headerTimer.unref();
  }

  private onContinuation(flags: number, id: number, payload: Buffer): void {
    if (this.blockStream === 0 || id !== this.blockStream) throw new FrameError(ErrorCode.PROTOCOL_ERROR, 'CONTINUATION without a header block');
    this.blockBytes += payload.length;
    // a block longer than the list it may decode to, or cut in too many pieces, is a flood (CVE-2024-27316)
    if (++this.continuations > MAX_CONTINUATIONS || this.blockBytes > this.options.maxHeaderListSize + DEFAULT_MAX_FRAME_SIZE) {
      throw new FrameError(ErrorCode.ENHANCE_YOUR_CALM, 'CONTINUATION flood');
    }
    this.blockParts.push(Buffer.from(payload));
    if ((flags & Flag.END_HEADERS) === 0) return;
    const block = Buffer.concat(this.blockParts, this.blockBytes);
    this.blockStream = 0;
    this.blockParts = [];
    if (this.headerTimer !== null) clearTimeout(this.headerTimer);
    this.headerTimer = null;
    this.headerBlock(id, this.blockEndStream, block);
  }

  /** A complete header block: a new request, or the trailers of one. */
  private headerBlock(id: number, endStream: boolean, block: Buffer): void {
    // decoded whatever becomes of the stream: the dynamic table must stay in step with the client's
    const decoded = this.decoder.decode(block);
    const stream = this.streams.get(id);
    if (stream !== undefined) {
      if (stream.remoteEnded) return this.resetStream(stream, ErrorCode.STREAM_CLOSED);
      if (!endStream || decoded.tooLarge || hasPseudoHeader(decoded.headers)) return this.resetStream(stream, ErrorCode.PROTOCOL_ERROR);
      this.remoteEnd(stream, decoded.headers);
      return;
    }
    if (id <= this.lastStreamId) {
      if (this.recentResets.includes(id)) return; // in flight when we reset it
      throw new FrameError(ErrorCode.PROTOCOL_ERROR, 'HEADERS on a closed stream or a stream id not above the last');
    }
    this.lastStreamId = id;
    if (this.goingAway) return; // after our GOAWAY: ignored, the client retries it elsewhere
    if (this.streams.size >= this.options.maxConcurrentStreams) {
      this.queueControl(rstStreamFrame(id, ErrorCode.REFUSED_STREAM));
      this.rememberReset(id);
      return;
    }
    const created = new ServerStream(id, this, endStream, this.options.initialWindowSize, this.peerInitialWindow);
    this.streams.set(id, created);
    this.handler.onStream(created, decoded.tooLarge ? null : decoded.headers);
    if (endStream && !created.closed) this.closeIfDone(created);
  }

  private onDataFrame(flags: number, id: number, payload: Buffer): void {
    if (id === 0) throw new FrameError(ErrorCode.PROTOCOL_ERROR, 'DATA on stream 0');
    const length = payload.length;
    // every DATA frame counts against the connection's window, whatever its stream's state
    this.connRecvWindow -= length;
    if (this.connRecvWindow < 0) throw new FrameError(ErrorCode.FLOW_CONTROL_ERROR, 'DATA beyond the connection window');
    this.returnToConnection(length);
    const stream = this.streams.get(id);
    if (stream === undefined) {
      if (id > this.lastStreamId) throw new FrameError(ErrorCode.PROTOCOL_ERROR, 'DATA on an idle stream');
      if (!this.recentResets.includes(id)) this.refuseFrame(id, ErrorCode.STREAM_CLOSED);
      return;
    }
    if (stream.remoteEnded) return this.resetStream(stream, ErrorCode.STREAM_CLOSED);
    if (length > stream.recvWindow) return this.resetStream(stream, ErrorCode.FLOW_CONTROL_ERROR);
    stream.recvWindow -= length;
    const data = stripPadding(flags, payload);
    if (data.length < length) this.consumed(stream, length - data.length);
    stream.received += data.length;
    const endStream = (flags & Flag.END_STREAM) !== 0;
    const expected = stream.expectedLength;
    if (expected >= 0 && (stream.received > expected || (endStream && stream.received !== expected))) {
      return this.resetStream(stream, ErrorCode.PROTOCOL_ERROR); // content-length does not match the DATA (RFC 9113 8.1.1)
    }
    if (data.length > 0) stream.receive(data.buffer === this.chunk?.buffer ? data : Buffer.from(data));
    if (endStream && !stream.closed) this.remoteEnd(stream, null);
  }

  private remoteEnd(stream: ServerStream, trailers: string[] | null): void {
    stream.ended(trailers);
    if (!stream.closed) this.closeIfDone(stream);
  }

  private onRstStream(id: number, payload: Buffer): void {
    if (id === 0) throw new FrameError(ErrorCode.PROTOCOL_ERROR, 'RST_STREAM on stream 0');
    if (id > this.lastStreamId) throw new FrameError(ErrorCode.PROTOCOL_ERROR, 'RST_STREAM on an idle stream');
    const code = parseRstStream(payload);
    const stream = this.streams.get(id);
    if (stream === undefined) return;
    this.removeStream(stream, code === ErrorCode.NO_ERROR ? ErrorCode.CANCEL : code);
    if (code !== ErrorCode.NO_ERROR) this.countClientReset();
  }

  /** Too many client resets in the window is the rapid-reset attack (CVE-2023-44487). */
  private countClientReset(): void {
    const now = Date.now();
    if (now - this.resetWindowStart > this.options.resetWindowMs) {
      this.resetWindowStart = now;
      this.resets = 0;
    }
    if (++this.resets > this.options.maxResetsPerWindow) throw new FrameError(ErrorCode.ENHANCE_YOUR_CALM, 'too many streams reset');
  }

  private onSettings(flags: number, id: number, payload: Buffer): void {
    if (id !== 0) throw new FrameError(ErrorCode.PROTOCOL_ERROR, 'SETTINGS on a stream');
    if ((flags & Flag.ACK) !== 0) {
      if (payload.length !== 0) throw new FrameError(ErrorCode.FRAME_SIZE_ERROR, 'SETTINGS ACK with a payload');
      return;
    }
    for (const [setting, value] of parseSettings(payload)) {
      switch (setting) {
        case Setting.HEADER_TABLE_SIZE:
          this.encoder.setMaxTableSize(value);
          break;
        case Setting.INITIAL_WINDOW_SIZE:
          this.setPeerInitialWindow(value);
          break;
        case Setting.MAX_FRAME_SIZE:
          this.peerMaxFrameSize = value; // in range: checked by parseSettings
          break;
        default:
          break; // ENABLE_PUSH (we push nothing), MAX_CONCURRENT_STREAMS, MAX_HEADER_LIST_SIZE (advisory), unknown
      }
    }
    this.queueControl(settingsAck());
  }

  /** A new SETTINGS_INITIAL_WINDOW_SIZE changes every stream's send window by the difference (RFC 9113 6.9.2). */
  private setPeerInitialWindow(value: number): void {
    const delta = value - this.peerInitialWindow;
    this.peerInitialWindow = value;
    for (const stream of this.streams.values()) {
      stream.sendWindow += delta;
      if (stream.sendWindow > MAX_WINDOW) throw new FrameError(ErrorCode.FLOW_CONTROL_ERROR, 'a stream window above 2^31-1');
      if (delta > 0 && stream.queuedBytes > 0) this.wantsToSend(stream);
    }
  }

  private onWindowUpdate(id: number, payload: Buffer): void {
    const increment = parseWindowUpdate(payload);
    if (id === 0) {
      if (increment === 0) throw new FrameError(ErrorCode.PROTOCOL_ERROR, 'WINDOW_UPDATE of 0');
      this.connSendWindow += increment;
      if (this.connSendWindow > MAX_WINDOW) throw new FrameError(ErrorCode.FLOW_CONTROL_ERROR, 'connection window above 2^31-1');
      if (this.sendList.length > 0) this.scheduleFlush();
      return;
    }
    const stream = this.streams.get(id);
    if (stream === undefined) {
      if (id > this.lastStreamId) throw new FrameError(ErrorCode.PROTOCOL_ERROR, 'WINDOW_UPDATE on an idle stream');
      return;
    }
    if (increment === 0) return this.resetStream(stream, ErrorCode.PROTOCOL_ERROR);
    stream.sendWindow += increment;
    if (stream.sendWindow > MAX_WINDOW) return this.resetStream(stream, ErrorCode.FLOW_CONTROL_ERROR);
    if (stream.queuedBytes > 0 || stream.localEnded) this.wantsToSend(stream);
  }

  /** A stream error on a stream we no longer (or never) track. */
  private refuseFrame(id: number, code: number): void {
    const stream = this.streams.get(id);
    if (stream !== undefined) return this.resetStream(stream, code);
    this.queueControl(rstStreamFrame(id, code));
    this.rememberReset(id);
  }

  // --- flow control of what the client sends ---

  private returnToConnection(bytes: number): void {
    this.connUnacked += bytes;
    if (this.connUnacked >= this.connWindowSize >> 1) {
      this.queue(windowUpdateFrame(0, this.connUnacked));
      this.connRecvWindow += this.connUnacked;
      this.connUnacked = 0;
    }
  }

  /** The exchange took `bytes` of the stream's body: the client may send as much again. */
  consumed(stream: ServerStream, bytes: number): void {
    stream.unacked += bytes;
    if (stream.remoteEnded || stream.closed || stream.unacked < this.options.initialWindowSize >> 1) return;
    this.queue(windowUpdateFrame(stream.id, stream.unacked));
    stream.recvWindow += stream.unacked;
    stream.unacked = 0;
  }

  // --- writing (StreamConnection) ---

  sendHeaders(stream: ServerStream, status: number, headers: string[], endStream: boolean): void {
    this.queue(headersFrames(stream.id, this.encoder.encodeResponse(status, headers), endStream, this.peerMaxFrameSize));
    if (!endStream) return;
    // the stream closes in the flush, not under the caller's feet (as node:http2's 'close' comes later)
    stream.finSent = true;
    this.wantsToSend(stream);
  }

  wantsToSend(stream: ServerStream): void {
    if (!stream.sending) {
      stream.sending = true;
      this.sendList.push(stream);
    }
    this.scheduleFlush();
  }

  resetStream(stream: ServerStream, code: number): void {
    if (stream.closed) return;
    this.queueControl(rstStreamFrame(stream.id, code));
    this.rememberReset(stream.id);
    this.removeStream(stream, code);
  }

  private rememberReset(id: number): void {
    if (this.recentResets.length >= RECENT_RESETS) this.recentResets.shift();
    this.recentResets.push(id);
  }

  private removeStream(stream: ServerStream, code: number): void {
    this.streams.delete(stream.id);
    stream.closeWith(code);
    if (this.goingAway) this.endWhenIdle();
  }

  /** END_STREAM went out on the stream. */
  private sentEnd(stream: ServerStream): void {
    stream.finSent = true;
    if (stream.resetAfterResponse && !stream.remoteEnded) {
      this.resetStream(stream, ErrorCode.NO_ERROR);
      return;
    }
    this.closeIfDone(stream);
  }

  private closeIfDone(stream: ServerStream): void {
    if (stream.finSent && stream.remoteEnded) this.removeStream(stream, ErrorCode.NO_ERROR);
  }

  private queue(frame: Buffer): void {
    this.out.push(frame);
    this.outBytes += frame.length;
    this.scheduleFlush();
  }

  /** A frame the client's own frames provoke: counted while it doesn't read what we send. */
  private queueControl(frame: Buffer): void {
    if (this.socketBlocked && ++this.controlWhileBlocked > MAX_QUEUED_CONTROL) {
      this.closed = true;
      this.reader.stop();
      this.socket.destroy();
      return;
    }
    this.queue(frame);
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.closed) return;
    this.flushScheduled = true;
    setImmediate(this.flush);
  }

  private readonly flush = (): void => {
    this.flushScheduled = false;
    if (this.socket.destroyed) return;
    const ready = this.sendList.length > 0 && !this.socketBlocked ? this.pumpData() : null;
    this.writeOut();
    if (ready !== null) for (const stream of ready) stream.drained();
  };

  /** DATA (and ends, and trailers) of the streams waiting to send, as far as the client's windows allow; returns streams whose queue has room again. */
  private pumpData(): ServerStream[] {
    const list = this.sendList;
    const drained: ServerStream[] = [];
    let budget = WRITE_BUDGET;
    let keep = 0;
    for (let i = 0; i < list.length; i++) {
      const stream = list[i]!;
      if (stream.finSent) {
        if (!stream.closed) this.sentEnd(stream);
      } else if (!stream.closed && budget > 0) budget -= this.sendFrom(stream, budget);
      if (stream.closed || (stream.queuedBytes === 0 && (!stream.localEnded || stream.finSent))) {
        stream.sending = false;
      } else {
        list[keep++] = stream;
      }
      if (stream.waitingForRoom) drained.push(stream);
    }
    list.length = keep;
    if (keep > 0 && budget <= 0) this.scheduleFlush();
    return drained;
  }

  /** Frames from one stream's queue; returns the DATA bytes sent. */
  private sendFrom(stream: ServerStream, budget: number): number {
    let sent = 0;
    while (stream.queuedBytes > 0) {
      const allowed = Math.min(stream.sendWindow, this.connSendWindow, this.peerMaxFrameSize, budget - sent);
      if (allowed <= 0) break;
      const length = Math.min(allowed, stream.queuedBytes);
      const last = length === stream.queuedBytes && stream.localEnded && stream.trailers === null;
      this.queue(dataFrameHeader(stream.id, length, last));
      this.takeQueued(stream, length);
      stream.sendWindow -= length;
      this.connSendWindow -= length;
      sent += length;
      if (last) {
        this.sentEnd(stream);
        return sent;
      }
    }
    if (stream.queuedBytes === 0 && stream.localEnded && !stream.finSent) {
      if (stream.trailers !== null) this.queue(headersFrames(stream.id, this.encoder.encode(stream.trailers), true, this.peerMaxFrameSize));
      else this.queue(dataFrameHeader(stream.id, 0, true));
      this.sentEnd(stream);
    }
    return sent;
  }

  /** Moves `length` bytes from the stream's queue into the output. */
  private takeQueued(stream: ServerStream, length: number): void {
    const queue = stream.queue;
    let left = length;
    let used = 0;
    while (left > 0) {
      const head = queue[used]!;
      if (head.length <= left) {
        this.out.push(head);
        left -= head.length;
        used++;
      } else {
        this.out.push(head.subarray(0, left));
        queue[used] = head.subarray(left);
        left = 0;
      }
    }
    if (used > 0) queue.splice(0, used);
    this.outBytes += length;
    stream.queuedBytes -= length;
  }

  private writeOut(): void {
    const out = this.out;
    if (out.length === 0) return;
    this.out = [];
    const bytes = this.outBytes;
    this.outBytes = 0;
    let ok: boolean;
    if (out.length === 1) ok = this.socket.write(out[0]!);
    else if (bytes <= 64 * 1024) ok = this.socket.write(Buffer.concat(out, bytes));
    else {
      this.socket.cork();
      for (const frame of out) this.socket.write(frame);
      this.socket.uncork();
      ok = !this.socket.writableNeedDrain;
    }
    if (!ok) this.socketBlocked = true;
    if (this.goingAway && this.streams.size === 0 && !this.socket.writableEnded) this.socket.end();
  }

  private readonly onDrain = (): void => {
    this.socketBlocked = false;
    this.controlWhileBlocked = 0;
    if (this.sendList.length > 0) this.scheduleFlush();
  };

  // --- ending ---

  /** After a GOAWAY: the socket ends once the last stream is done and the output is written. */
  private endWhenIdle(): void {
    if (this.streams.size === 0) this.scheduleFlush();
    if (this.streams.size === 0 && this.out.length === 0 && !this.flushScheduled && !this.socket.writableEnded) this.socket.end();
  }

  /** A connection error: GOAWAY with `code`, every stream gone, the socket closed. */
  private fail(code: number): void {
    if (this.closed) return;
    this.reader.stop();
    this.goingAway = true;
    this.out.push(goawayFrame(this.lastStreamId, code));
    this.closed = true;
    this.writeOutNow();
    this.closeStreams(code);
    this.socket.end();
    setTimeout(() => this.socket.destroy(), LINGER_MS).unref();
  }

  private writeOutNow(): void {
    const out = this.out;
    this.out = [];
    this.outBytes = 0;
    if (!this.socket.destroyed && !this.socket.writableEnded) this.socket.write(Buffer.concat(out));
  }

  private closeStreams(code: number): void {
    const streams = [...this.streams.values()];
    this.streams.clear();
    for (const stream of streams) stream.closeWith(code);
  }

  private readonly onHeaderTimeout = (): void => {
    this.headerTimer = null;
    if (!this.closed) this.fail(ErrorCode.PROTOCOL_ERROR);
  };

  private readonly onTimeout = (): void => {
    if (!this.settingsSeen) {
      this.socket.destroy();
      return;
    }
    this.close();
    if (this.streams.size === 0) return;
    // streams that stay silent past another timeout are given up
    this.socket.setTimeout(this.options.idleTimeoutMs, () => this.socket.destroy());
  };

  private readonly onEnd = (): void => {
    // the client is done sending: what is in progress can't complete a request any more
    if (this.streams.size === 0 || this.closed) this.socket.end();
  };

  private readonly onSocketError = (): void => {};

  private readonly onSocketClose = (): void => {
    this.closed = true;
    this.reader.stop();
    if (this.headerTimer !== null) clearTimeout(this.headerTimer);
    this.closeStreams(ErrorCode.CANCEL);
    this.handler.onClose();
  };
}

function hasPseudoHeader(flat: string[]): boolean {
  for (let i = 0; i < flat.length; i += 2) if (flat[i]!.charCodeAt(0) === 0x3a) return true;
  return false;
}
