// A client connection served by Fulcrum's own HTTP/2 layer (`http2.codec: fulcrum`, wire/).
import type net from 'node:net';
import type { ListenerHttp2Config } from '../../config/types.js';
import type { ConnectionInfo } from '../../net/connection-info.js';
import { ClientSession, type SessionHost } from './client-session.js';
import { ServerConnection, type ServerConnectionHandler } from './wire/server-connection.js';
import type { ServerStream } from './wire/server-stream.js';

export class WireSession extends ClientSession implements ServerConnectionHandler {
  private readonly connection: ServerConnection;

  constructor(socket: net.Socket, host: SessionHost, info: ConnectionInfo | undefined, settings: ListenerHttp2Config) {
    super(socket, host, info);
    const config = host.listenerState().config;
    this.connection = new ServerConnection(
      socket,
      {
        maxConcurrentStreams: settings.maxConcurrentStreams,
        maxHeaderListSize: settings.maxHeaderListSize,
        maxHeaders: config.limits.maxHeaders + 8,
        initialWindowSize: settings.initialWindowSize,
        maxFrameSize: settings.maxFrameSize,
        maxResetsPerWindow: settings.maxResetsPerWindow,
        resetWindowMs: settings.resetWindow,
        headerTimeoutMs: config.timeouts.header,
        idleTimeoutMs: config.timeouts.keepAlive,
      },
      this,
    );
  }

  close(): void {
    this.connection.close();
  }

  destroy(): void {
    this.connection.destroy();
  }

  onStream(stream: ServerStream, headers: string[] | null): void {
    this.request(stream, headers);
  }

  onClose(): void {
    this.closed();
  }
}
