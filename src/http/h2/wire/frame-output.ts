// What a connection sends: frames queued during a turn of the event loop go out in one write at
// its end (setImmediate), together with those the flush itself adds before writing (no second,
// empty turn for them), and control frames the client provokes are counted while the socket is
// blocked, so that a client that sends PING or SETTINGS without reading is cut off.
import type net from 'node:net';
import { SocketWriter } from '../../../net/socket-writes.js';

/** control frames (acks, resets) queued while the client doesn't read, before it is cut off */
const MAX_QUEUED_CONTROL = 1000;
/** output up to this size is joined into one buffer for one write; beyond, written corked */
const JOIN_BYTES = 64 * 1024;

export class FrameOutput {
  private out: Buffer[] = [];
  private outBytes = 0;
  /**
   * a flush is scheduled for the end of this turn, or it runs and has not written yet: frames queued
   * then (the pump's DATA) go out in its write, without asking for one more turn
   */
  scheduled = false;
  /** the running flush wants another turn after its write (a pump that spent its budget) */
  private again = false;
  /** the last write said wait: no DATA until 'drain' */
  blocked = false;
  private controlWhileBlocked = 0;
  /** no more flushes (the connection failed or closed) */
  stopped = false;
  private readonly writer: SocketWriter;

  /** `onTurn` runs at the end of a turn with output scheduled: it adds what it has, then calls write(). */
  constructor(
    private readonly socket: net.Socket,
    private readonly onTurn: () => void,
  ) {
    this.writer = new SocketWriter(socket);
  }

  get isEmpty(): boolean {
    return this.out.length === 0;
  }

  queue(frame: Buffer): void {
    this.out.push(frame);
    this.outBytes += frame.length;
    this.schedule();
  }

  /** Bytes (DATA payload) after a frame header queued just before; the flush is already scheduled. */
  append(bytes: Buffer): void {
    this.out.push(bytes);
    this.outBytes += bytes.length;
  }

  /** A frame the client's own frames provoke; false (nothing queued) when too many wait on a blocked socket. */
  queueControl(frame: Buffer): boolean {
    if (this.blocked && ++this.controlWhileBlocked > MAX_QUEUED_CONTROL) return false;
    this.queue(frame);
    return true;
  }

  schedule(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    setImmediate(this.turn);
  }

  /** From the running flush, before its write: one more turn after it. */
  scheduleAgain(): void {
    this.again = true;
  }

  /** Writes what is queued, in one write when it is small; what is queued after it needs a new turn. */
  write(): void {
    this.scheduled = false;
    if (this.again) {
      this.again = false;
      this.schedule();
    }
    const out = this.out;
    if (out.length === 0) return;
    this.out = [];
    const bytes = this.outBytes;
    this.outBytes = 0;
    const socket = this.socket;
    let ok: boolean;
    if (out.length === 1) ok = this.writer.write(out[0]!);
    else if (bytes <= JOIN_BYTES) ok = this.writer.write(Buffer.concat(out, bytes));
    else {
      socket.cork();
      for (const frame of out) socket.write(frame);
      socket.uncork();
      ok = !socket.writableNeedDrain;
    }
    if (!ok) this.blocked = true;
  }

  /** Writes what is queued at once (a GOAWAY before closing), blocked or not. */
  writeNow(): void {
    const out = this.out;
    this.out = [];
    this.outBytes = 0;
    if (!this.socket.destroyed && !this.socket.writableEnded) this.writer.write(Buffer.concat(out));
  }

  /** The socket drained: DATA may go again, and the control count starts over. */
  drained(): void {
    this.blocked = false;
    this.controlWhileBlocked = 0;
  }

  private readonly turn = (): void => {
    if (this.socket.destroyed) {
      this.scheduled = false;
      return;
    }
    try {
      this.onTurn();
    } catch (error) {
      this.scheduled = false; // a flush that threw before its write() must not block the next ones
      throw error;
    }
  };
}
