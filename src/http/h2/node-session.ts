// A client connection served by node:http2 (`http2.codec: node`): its streams are adapted to the
// ClientStream shape; the rapid-reset guard counts the client's resets.
import http2 from 'node:http2';
import type net from 'node:net';
import type { ConnectionInfo } from '../../net/connection-info.js';
import { ClientSession, type SessionHost } from './client-session.js';
import { NodeClientStream } from './node-stream.js';

const { NGHTTP2_ENHANCE_YOUR_CALM, NGHTTP2_NO_ERROR } = http2.constants;

export interface NodeSessionLimits {
  maxResetsPerWindow: number;
  resetWindow: number;
}

export class NodeSession extends ClientSession {
  private resets = 0;
  private windowStart = 0;

  constructor(
    private readonly session: http2.ServerHttp2Session,
    host: SessionHost,
    info: ConnectionInfo | undefined,
    private readonly limits: () => NodeSessionLimits,
  ) {
    super(session.socket as net.Socket, host, info);
    session.setTimeout(host.listenerState().config.timeouts.keepAlive, () => session.close());
    session.on('stream', this.onStream);
    session.on('error', noop);
    session.once('close', () => this.closed());
  }

  close(): void {
    if (!this.session.closed) this.session.close();
  }

  destroy(): void {
    this.session.destroy();
  }

  private readonly onStream = (stream: http2.ServerHttp2Stream, _headers: http2.IncomingHttpHeaders, _flags: number, raw: string[]): void => {
    const adapted = new NodeClientStream(stream);
    stream.once('close', () => this.streamClosed(adapted));
    this.request(adapted, raw);
  };

  /** Counts resets sent by the client; too many in the window is the rapid-reset attack (CVE-2023-44487). */
  private streamClosed(adapted: NodeClientStream): void {
    const code = adapted.stream.rstCode;
    if (code === undefined || code === NGHTTP2_NO_ERROR || adapted.resetByUs) return;
    const limits = this.limits();
    const now = Date.now();
    if (now - this.windowStart > limits.resetWindow) {
      this.windowStart = now;
      this.resets = 0;
    }
    if (++this.resets > limits.maxResetsPerWindow && !this.session.closed) {
      this.session.goaway(NGHTTP2_ENHANCE_YOUR_CALM);
      this.session.close();
      // a client that keeps resetting ignores the GOAWAY: the socket closes soon after
      setTimeout(() => this.session.destroy(), 1000).unref();
    }
  }
}

function noop(): void {}
