// The connection-level flow-control windows (RFC 9113 §6.9): what the client may still send us
// on all streams together, and what we may still send it.
import { DEFAULT_WINDOW, ErrorCode, MAX_WINDOW } from './constants.js';
import { FrameError } from './frame-error.js';

export class ConnectionWindow {
  /** our window for the whole connection, announced once after SETTINGS */
  readonly size: number;
  /** what the client may still send */
  private recv: number;
  /** received bytes not yet returned to the client */
  private unacked = 0;
  /** what we may still send (the client's window) */
  send = DEFAULT_WINDOW;

  constructor(initialWindowSize: number, maxConcurrentStreams: number) {
    // room for every stream's window at once, within what a window can be
    this.size = Math.min(MAX_WINDOW, Math.max(DEFAULT_WINDOW, initialWindowSize * maxConcurrentStreams));
    this.recv = this.size;
  }

  /**
   * A DATA frame of `length` bytes arrived (on any stream, in any state): the increment of
   * WINDOW_UPDATE to send back now, or 0. The connection's window is returned at once; each
   * stream's window follows what the exchange took.
   */
  received(length: number): number {
    this.recv -= length;
    if (this.recv < 0) throw new FrameError(ErrorCode.FLOW_CONTROL_ERROR, 'DATA beyond the connection window');
    this.unacked += length;
    if (this.unacked < this.size >> 1) return 0;
    const increment = this.unacked;
    this.recv += increment;
    this.unacked = 0;
    return increment;
  }

  /** A WINDOW_UPDATE on stream 0 from the client. */
  opened(increment: number): void {
    if (increment === 0) throw new FrameError(ErrorCode.PROTOCOL_ERROR, 'WINDOW_UPDATE of 0');
    this.send += increment;
    if (this.send > MAX_WINDOW) throw new FrameError(ErrorCode.FLOW_CONTROL_ERROR, 'connection window above 2^31-1');
  }
}
