// Fulcrum's own HTTP/2 server connection (RFC 9113) on a net.Socket, plain or TLS: the client
// preface, SETTINGS, PING, GOAWAY, and the frames of streams, handed to the parts that do each
// job: header-block.ts (HEADERS + CONTINUATION), stream-table.ts (stream ids and states),
// connection-window.ts (flow control), response-pump.ts (DATA out), frame-output.ts (one write
// per event-loop turn), window-counter.ts (rapid reset, frames that carry nothing). Streams are
// plain objects (server-stream.ts).
import type net from 'node:net';
import { readIntoSharedBuffer } from '../../../net/socket-reads.js';
import { CONNECTION_PREFACE, DEFAULT_MAX_FRAME_SIZE, DEFAULT_WINDOW, ErrorCode, Flag, FrameType, MAX_WINDOW, Setting } from './constants.js';
import { ConnectionWindow } from './connection-window.js';
import { FrameOutput } from './frame-output.js';
import { FrameError, FrameReader, StreamError, type FrameHandler } from './frame-reader.js';
import {
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
import { HeaderBlockAssembly } from './header-block.js';
import { HpackDecoder, HpackEncoder, HpackError } from './hpack.js';
import { ResponsePump } from './response-pump.js';
import { ServerStream, type StreamConnection } from './server-stream.js';
import { StreamTable } from './stream-table.js';
import { WindowCounter } from './window-counter.js';

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
  /** until the preface, a header block, and the client's ack of our SETTINGS are complete */
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

/** a socket that was told GOAWAY for an error and keeps sending is destroyed after this */
const LINGER_MS = 1000;
/**
 * Frames that cost us work but carry nothing (empty DATA without END_STREAM, unknown types,
 * PRIORITY, WINDOW_UPDATE below TINY_WINDOW_UPDATE) allowed per connection in a window; beyond,
 * GOAWAY(ENHANCE_YOUR_CALM). Real clients send a handful (PRIORITY at start, the odd empty DATA).
 */
const MAX_EMPTY_FRAMES = 1000;
const EMPTY_FRAME_WINDOW_MS = 10_000;
/** a WINDOW_UPDATE below this opens too little to be worth a frame (clients wait for half a window, or 4kb) */
const TINY_WINDOW_UPDATE = 1024;
/** the first GOAWAY of a graceful close names the highest id possible: streams on their way are still taken */
const ANY_STREAM_ID = 0x7fffffff;
/** the PING that follows it; its ack means the client has seen the GOAWAY */
const SHUTDOWN_PING = Buffer.from('fulcrumG', 'latin1');
/** how long to wait for that ack before sending the real last stream id anyway */
const SHUTDOWN_ACK_WAIT_MS = 1000;

export class ServerConnection implements FrameHandler, StreamConnection {
  private readonly streams = new StreamTable();
  private readonly reader: FrameReader;
  private readonly decoder: HpackDecoder;
  private readonly encoder = new HpackEncoder();
  private readonly block: HeaderBlockAssembly;
  private readonly window: ConnectionWindow;
  private readonly output: FrameOutput;
  private readonly pump: ResponsePump;
  private readonly clientResets: WindowCounter;
  private readonly emptyFrames = new WindowCounter(MAX_EMPTY_FRAMES, EMPTY_FRAME_WINDOW_MS);
  /** set between the two GOAWAYs of close(), waiting for the PING ack */
  private shutdownTimer: NodeJS.Timeout | null = null;
  /** until the client acknowledges our SETTINGS (RFC 9113 §6.5.3) */
  private settingsAckTimer: NodeJS.Timeout | null;
  private prefaceBytes = 0;
  private settingsSeen = false;
  /** GOAWAY sent or received: no new streams; the socket ends when the last stream does */
  private goingAway = false;
  private closed = false;
  private peerInitialWindow = DEFAULT_WINDOW;
  /** the chunk being read when it is ours to keep ('data'); payloads outside it (the shared read buffer, the reader's reused buffer) are copied */
  private chunk: Buffer | null = null;

  constructor(
    readonly socket: net.Socket,
    private readonly options: ServerConnectionOptions,
    private readonly handler: ServerConnectionHandler,
  ) {
    this.reader = new FrameReader(this, options.maxFrameSize);
    this.decoder = new HpackDecoder({ maxTableSize: 4096, maxHeaderListSize: options.maxHeaderListSize, maxHeaders: options.maxHeaders });
    this.block = new HeaderBlockAssembly(options.maxHeaderListSize, options.headerTimeoutMs, this.onHeaderTimeout);
    this.window = new ConnectionWindow(options.initialWindowSize, options.maxConcurrentStreams);
    this.output = new FrameOutput(socket, this.flush);
    this.pump = new ResponsePump(this.output, this.window, this.encoder, this.sentEnd);
    this.clientResets = new WindowCounter(options.maxResetsPerWindow, options.resetWindowMs);
    this.output.queue(settingsFrame(ourSettings(options)));
    this.settingsAckTimer = setTimeout(this.onSettingsTimeout, options.headerTimeoutMs);
    this.settingsAckTimer.unref();
    if (this.window.size > DEFAULT_WINDOW) this.output.queue(windowUpdateFrame(0, this.window.size - DEFAULT_WINDOW));
    socket.setNoDelay(true);
    socket.setTimeout(options.headerTimeoutMs);
    // the preface sniffed on h2c was put back: taken out first, so that the socket can read into the shared buffer
    const early = socket.readableLength > 0 ? (socket.read() as Buffer | null) : null;
    if (readIntoSharedBuffer(socket, this.onSharedRead)) {
      if (early !== null) this.onData(early);
    } else {
      if (early !== null) socket.unshift(early);
      socket.on('data', this.onData);
    }
    socket.on('drain', this.onDrain);
    socket.on('timeout', this.onTimeout);
    socket.on('end', this.onEnd);
    socket.on('error', this.onSocketError);
    socket.on('close', this.onSocketClose);
    socket.resume();
  }

  /**
   * Graceful, in two steps (RFC 9113 §6.8): GOAWAY with 2^31-1 and a PING; once the PING is
   * acknowledged (one round trip: the client has seen the GOAWAY and opens no more streams), or
   * after SHUTDOWN_ACK_WAIT_MS, GOAWAY with the last stream id taken. The streams in progress
   * finish, then the socket ends.
   */
  close(): void {
    if (this.goingAway || this.closed || this.shutdownTimer !== null) return;
    this.output.queue(goawayFrame(ANY_STREAM_ID, ErrorCode.NO_ERROR));
    this.output.queue(pingFrame(SHUTDOWN_PING, false));
    this.shutdownTimer = setTimeout(this.finishShutdown, SHUTDOWN_ACK_WAIT_MS);
    this.shutdownTimer.unref();
  }

  destroy(): void {
    this.socket.destroy();
  }

  // --- reading ---

  /** Bytes in the shared read buffer, valid during the call: DATA for the streams is copied (onDataFrame). */
  private readonly onSharedRead = (length: number, buffer: Buffer): void => {
    this.read(buffer.subarray(0, length), false);
  };

  private readonly onData = (chunk: Buffer): void => {
    this.read(chunk, true);
  };

  private read(chunk: Buffer, owned: boolean): void {
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
    this.chunk = owned ? chunk : null;
    try {
      this.reader.push(at === 0 ? chunk : chunk.subarray(at));
    } catch (error) {
      if (!(error instanceof FrameError) && !(error instanceof HpackError)) throw error;
      this.fail(error instanceof FrameError ? error.code : ErrorCode.COMPRESSION_ERROR);
    }
    this.chunk = null;
  }

  onFrame(type: number, flags: number, streamId: number, payload: Buffer): void {
    if (this.closed) return;
    if (this.block.inProgress && type !== FrameType.CONTINUATION) throw new FrameError(ErrorCode.PROTOCOL_ERROR, 'header block interrupted');
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
      case FrameType.CONTINUATION: {
        const block = this.block.add(flags, streamId, payload);
        if (block !== null) this.headerBlock(streamId, this.block.endStream, block);
        return;
      }
      case FrameType.RST_STREAM:
        return this.onRstStream(streamId, payload);
      case FrameType.SETTINGS:
        return this.onSettings(flags, streamId, payload);
      case FrameType.PING:
        if (streamId !== 0) throw new FrameError(ErrorCode.PROTOCOL_ERROR, 'PING on a stream');
        if (payload.length !== 8) throw new FrameError(ErrorCode.FRAME_SIZE_ERROR, 'PING of the wrong size');
        if ((flags & Flag.ACK) === 0) this.queueControl(pingFrame(payload, true));
        else if (this.shutdownTimer !== null && payload.equals(SHUTDOWN_PING)) this.finishShutdown();
        return;
      case FrameType.GOAWAY:
        if (streamId !== 0) throw new FrameError(ErrorCode.PROTOCOL_ERROR, 'GOAWAY on a stream');
        this.goingAway = true;
        this.endWhenIdle();
        return;
      case FrameType.WINDOW_UPDATE:
        return this.onWindowUpdate(streamId, payload);
      case FrameType.PRIORITY:
        return this.onPriority(streamId, payload);
      case FrameType.PUSH_PROMISE:
        throw new FrameError(ErrorCode.PROTOCOL_ERROR, 'PUSH_PROMISE from a client');
      default:
        return this.countEmptyFrame(); // unknown frame types are ignored (RFC 9113 5.5), within the cap
    }
  }

  private onHeaders(flags: number, id: number, payload: Buffer): void {
    if (id === 0 || (id & 1) === 0) throw new FrameError(ErrorCode.PROTOCOL_ERROR, 'HEADERS on an even or zero stream id');
    const fragment = headersFragment(flags, payload, id);
    const endStream = (flags & Flag.END_STREAM) !== 0;
    if ((flags & Flag.END_HEADERS) !== 0) this.headerBlock(id, endStream, fragment);
    else this.block.start(id, endStream, fragment);
  }

  /** A complete header block: a new request, or the trailers of one. */
  private headerBlock(id: number, endStream: boolean, block: Buffer): void {
    // decoded whatever becomes of the stream: the dynamic table must stay in step with the client's
    const decoded = this.decoder.decode(block);
    const streams = this.streams;
    const stream = streams.get(id);
    if (stream !== undefined) {
      if (stream.remoteEnded) return this.resetStream(stream, ErrorCode.STREAM_CLOSED);
      if (!endStream || decoded.tooLarge || hasPseudoHeader(decoded.headers)) return this.resetStream(stream, ErrorCode.PROTOCOL_ERROR);
      this.remoteEnd(stream, decoded.headers);
      return;
    }
    if (!streams.isIdle(id)) {
      if (streams.wasResetLately(id)) return; // in flight when we reset it
      throw new FrameError(ErrorCode.PROTOCOL_ERROR, 'HEADERS on a closed stream or a stream id not above the last');
    }
    streams.lastId = id;
    if (this.goingAway) return; // after our GOAWAY: ignored, the client retries it elsewhere
    if (streams.size >= this.options.maxConcurrentStreams) {
      this.queueControl(rstStreamFrame(id, ErrorCode.REFUSED_STREAM));
      streams.rememberReset(id);
      return;
    }
    const created = new ServerStream(id, this, endStream, this.options.initialWindowSize, this.peerInitialWindow);
    streams.add(created);
    this.handler.onStream(created, decoded.tooLarge ? null : decoded.headers);
    if (endStream && !created.closed) this.closeIfDone(created);
  }

  private onDataFrame(flags: number, id: number, payload: Buffer): void {
    if (id === 0) throw new FrameError(ErrorCode.PROTOCOL_ERROR, 'DATA on stream 0');
    const length = payload.length;
    // every DATA frame counts against the connection's window, whatever its stream's state
    const increment = this.window.received(length);
    if (increment > 0) this.output.queue(windowUpdateFrame(0, increment));
    const stream = this.streams.get(id);
    if (stream === undefined) {
      if (this.streams.isIdle(id)) throw new FrameError(ErrorCode.PROTOCOL_ERROR, 'DATA on an idle stream');
      if (!this.streams.wasResetLately(id)) this.refuseFrame(id, ErrorCode.STREAM_CLOSED);
      return;
    }
    if (stream.remoteEnded) return this.resetStream(stream, ErrorCode.STREAM_CLOSED);
    if (length > stream.recvWindow) return this.resetStream(stream, ErrorCode.FLOW_CONTROL_ERROR);
    stream.recvWindow -= length;
    const data = stripPadding(flags, payload);
    if (data.length < length) this.consumed(stream, length - data.length);
    stream.received += data.length;
    const endStream = (flags & Flag.END_STREAM) !== 0;
    if (data.length === 0 && !endStream) this.countEmptyFrame();
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
    if (this.streams.isIdle(id)) throw new FrameError(ErrorCode.PROTOCOL_ERROR, 'RST_STREAM on an idle stream');
    const code = parseRstStream(payload);
    const stream = this.streams.get(id);
    if (stream === undefined) return;
    this.removeStream(stream, code === ErrorCode.NO_ERROR ? ErrorCode.CANCEL : code);
    // too many client resets in the window is the rapid-reset attack (CVE-2023-44487)
    if (code !== ErrorCode.NO_ERROR && this.clientResets.add(Date.now())) throw new FrameError(ErrorCode.ENHANCE_YOUR_CALM, 'too many streams reset');
  }

  private onSettings(flags: number, id: number, payload: Buffer): void {
    if (id !== 0) throw new FrameError(ErrorCode.PROTOCOL_ERROR, 'SETTINGS on a stream');
    if ((flags & Flag.ACK) !== 0) {
      if (payload.length !== 0) throw new FrameError(ErrorCode.FRAME_SIZE_ERROR, 'SETTINGS ACK with a payload');
      this.stopSettingsAckTimer();
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
          this.pump.maxFrameSize = value; // in range: checked by parseSettings
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
    for (const stream of this.streams.open.values()) {
      stream.sendWindow += delta;
      if (stream.sendWindow > MAX_WINDOW) throw new FrameError(ErrorCode.FLOW_CONTROL_ERROR, 'a stream window above 2^31-1');
      if (delta > 0 && stream.queuedBytes > 0) this.wantsToSend(stream);
    }
  }

  private onWindowUpdate(id: number, payload: Buffer): void {
    const increment = parseWindowUpdate(payload);
    if (increment < TINY_WINDOW_UPDATE) this.countEmptyFrame();
    if (id === 0) {
      this.window.opened(increment);
      if (this.pump.hasWork) this.output.schedule();
      return;
    }
    const stream = this.streams.get(id);
    if (stream === undefined) {
      if (this.streams.isIdle(id)) throw new FrameError(ErrorCode.PROTOCOL_ERROR, 'WINDOW_UPDATE on an idle stream');
      return;
    }
    if (increment === 0) return this.resetStream(stream, ErrorCode.PROTOCOL_ERROR);
    stream.sendWindow += increment;
    if (stream.sendWindow > MAX_WINDOW) return this.resetStream(stream, ErrorCode.FLOW_CONTROL_ERROR);
    if (stream.queuedBytes > 0 || stream.localEnded) this.wantsToSend(stream);
  }

  private onPriority(id: number, payload: Buffer): void {
    if (id === 0) throw new FrameError(ErrorCode.PROTOCOL_ERROR, 'PRIORITY on stream 0');
    this.countEmptyFrame();
    try {
      parsePriority(payload, id); // priorities are not acted on
    } catch (error) {
      if (!(error instanceof StreamError)) throw error;
      this.refuseFrame(id, error.code);
    }
  }

  /** A frame that carries nothing: a flood of them is a connection error (as the rapid-reset count). */
  private countEmptyFrame(): void {
    if (this.emptyFrames.add(Date.now())) throw new FrameError(ErrorCode.ENHANCE_YOUR_CALM, 'too many frames that carry nothing');
  }

  /** A stream error on a stream we no longer (or never) track. */
  private refuseFrame(id: number, code: number): void {
    const stream = this.streams.get(id);
    if (stream !== undefined) return this.resetStream(stream, code);
    this.queueControl(rstStreamFrame(id, code));
    this.streams.rememberReset(id);
  }

  // --- StreamConnection ---

  /** The exchange took `bytes` of the stream's body: the client may send as much again. */
  consumed(stream: ServerStream, bytes: number): void {
    stream.unacked += bytes;
    if (stream.remoteEnded || stream.closed || stream.unacked < this.options.initialWindowSize >> 1) return;
    this.output.queue(windowUpdateFrame(stream.id, stream.unacked));
    stream.recvWindow += stream.unacked;
    stream.unacked = 0;
  }

  sendHeaders(stream: ServerStream, status: number, headers: string[], endStream: boolean): void {
    this.output.queue(headersFrames(stream.id, this.encoder.encodeResponse(status, headers), endStream, this.pump.maxFrameSize));
    if (!endStream) return;
    // the stream closes in the flush, not under the caller's feet (as node:http2's 'close' comes later)
    stream.finSent = true;
    this.wantsToSend(stream);
  }

  wantsToSend(stream: ServerStream): void {
    this.pump.add(stream);
    this.output.schedule();
  }

  resetStream(stream: ServerStream, code: number): void {
    if (stream.closed) return;
    this.queueControl(rstStreamFrame(stream.id, code));
    this.streams.rememberReset(stream.id);
    this.removeStream(stream, code);
  }

  private removeStream(stream: ServerStream, code: number): void {
    this.streams.delete(stream.id);
    stream.closeWith(code);
    if (this.goingAway) this.endWhenIdle();
  }

  private readonly sentEnd = (stream: ServerStream): void => {
    stream.finSent = true;
    if (stream.resetAfterResponse && !stream.remoteEnded) {
      this.resetStream(stream, ErrorCode.NO_ERROR);
      return;
    }
    this.closeIfDone(stream);
  };

  private closeIfDone(stream: ServerStream): void {
    if (stream.finSent && stream.remoteEnded) this.removeStream(stream, ErrorCode.NO_ERROR);
  }

  // --- writing ---

  /** A frame the client's own frames provoke: a client that provokes them without reading is cut off. */
  private queueControl(frame: Buffer): void {
    if (this.output.queueControl(frame)) return;
    this.markClosed();
    this.reader.stop();
    this.socket.destroy();
  }

  /** The end of a turn with output: DATA as far as the windows allow, one write, then room for the writers. */
  private readonly flush = (): void => {
    const ready = this.pump.hasWork && !this.output.blocked ? this.pump.pump() : null;
    this.output.write();
    if (this.goingAway && this.streams.size === 0 && !this.socket.writableEnded) this.socket.end();
    if (ready !== null) for (const stream of ready) stream.drained();
  };

  private readonly onDrain = (): void => {
    this.output.drained();
    if (this.pump.hasWork) this.output.schedule();
  };

  // --- ending ---

  /** The second GOAWAY of close(): no stream above the last one taken will be. */
  private readonly finishShutdown = (): void => {
    this.stopShutdownTimer();
    if (this.goingAway || this.closed) return;
    this.goingAway = true;
    this.output.queue(goawayFrame(this.streams.lastId, ErrorCode.NO_ERROR));
    this.endWhenIdle();
  };

  private stopShutdownTimer(): void {
    if (this.shutdownTimer !== null) clearTimeout(this.shutdownTimer);
    this.shutdownTimer = null;
  }

  private markClosed(): void {
    this.closed = true;
    this.output.stopped = true;
  }

  /** After a GOAWAY: the socket ends once the last stream is done and the output is written. */
  private endWhenIdle(): void {
    if (this.streams.size !== 0) return;
    this.output.schedule();
    if (this.output.isEmpty && !this.output.scheduled && !this.socket.writableEnded) this.socket.end();
  }

  /** A connection error: GOAWAY with `code`, every stream gone, the socket closed. */
  private fail(code: number): void {
    if (this.closed) return;
    this.reader.stop();
    this.goingAway = true;
    this.output.append(goawayFrame(this.streams.lastId, code));
    this.markClosed();
    this.output.writeNow();
    this.closeStreams(code);
    this.socket.end();
    setTimeout(() => this.socket.destroy(), LINGER_MS).unref();
  }

  private closeStreams(code: number): void {
    for (const stream of this.streams.takeAll()) stream.closeWith(code);
  }

  private stopSettingsAckTimer(): void {
    if (this.settingsAckTimer !== null) clearTimeout(this.settingsAckTimer);
    this.settingsAckTimer = null;
  }

  private readonly onSettingsTimeout = (): void => {
    this.settingsAckTimer = null;
    if (!this.closed) this.fail(ErrorCode.SETTINGS_TIMEOUT);
  };

  private readonly onHeaderTimeout = (): void => {
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
    this.markClosed();
    this.reader.stop();
    this.block.stopTimer();
    this.stopSettingsAckTimer();
    this.stopShutdownTimer();
    this.closeStreams(ErrorCode.CANCEL);
    this.handler.onClose();
  };
}

/** Our SETTINGS, sent first. */
function ourSettings(options: ServerConnectionOptions): Array<[number, number]> {
  const settings: Array<[number, number]> = [
    [Setting.MAX_CONCURRENT_STREAMS, options.maxConcurrentStreams],
    [Setting.INITIAL_WINDOW_SIZE, options.initialWindowSize],
    [Setting.MAX_HEADER_LIST_SIZE, options.maxHeaderListSize],
    [Setting.ENABLE_PUSH, 0],
  ];
  if (options.maxFrameSize !== DEFAULT_MAX_FRAME_SIZE) settings.push([Setting.MAX_FRAME_SIZE, options.maxFrameSize]);
  return settings;
}

function hasPseudoHeader(flat: string[]): boolean {
  for (let i = 0; i < flat.length; i += 2) if (flat[i]!.charCodeAt(0) === 0x3a) return true;
  return false;
}
