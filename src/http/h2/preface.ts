import type net from 'node:net';

/** The HTTP/2 client connection preface (RFC 9113 3.4): h2c with prior knowledge starts with it. */
const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/**
 * Reads a plain connection's first bytes until they can or can't be the HTTP/2 preface, puts
 * them back, and tells which protocol it is. Once per connection, never per request; a peer
 * that sends nothing within `timeoutMs` is closed (the h1 head timeout covers the rest).
 */
export function sniffPreface(socket: net.Socket, timeoutMs: number, decide: (h2: boolean) => void): void {
  let received: Buffer | null = null;
  const onData = (chunk: Buffer): void => {
    received = received === null ? chunk : Buffer.concat([received, chunk]);
    const n = Math.min(received.length, PREFACE.length);
    const matches = received.compare(PREFACE, 0, n, 0, n) === 0;
    if (matches && n < PREFACE.length) return; // "P", "PRI *": wait for more
    done();
    socket.pause();
    socket.unshift(received);
    decide(matches);
  };
  const onGone = (): void => {
    done();
    socket.destroy();
  };
  const done = (): void => {
    socket.off('data', onData);
    socket.off('end', onGone);
    socket.off('timeout', onGone);
    socket.off('error', onGone);
    socket.setTimeout(0);
  };
  socket.on('data', onData);
  socket.on('end', onGone);
  socket.on('error', onGone);
  socket.on('timeout', onGone);
  socket.setTimeout(timeoutMs);
}
