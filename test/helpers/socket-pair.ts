import { once } from 'node:events';
import net from 'node:net';

/** A connected pair of TCP sockets on 127.0.0.1: the accepted side (`server`) and the client side. */
export async function socketPair(): Promise<{ server: net.Socket; client: net.Socket; close(): void }> {
  const listener = net.createServer();
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  const port = (listener.address() as net.AddressInfo).port;
  const accepted = once(listener, 'connection');
  const client = net.connect(port, '127.0.0.1');
  const [server] = (await accepted) as [net.Socket];
  return {
    server,
    client,
    close() {
      client.destroy();
      server.destroy();
      listener.close();
    },
  };
}
