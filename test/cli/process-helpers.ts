// What the cli tests share: waiting for a log line of a spawned fulcrum, a held backend, connection refusal.
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { FulcrumProcess } from '../helpers/fulcrum-process.js';

/** Resolves once the process has logged `text` (already, or from now on). */
export function untilLogged(proc: FulcrumProcess, text: string, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    if (proc.log().includes(text)) return resolve();
    const timer = setTimeout(() => {
      proc.child.stderr!.off('data', onData);
      reject(new Error(`not logged within ${timeoutMs} ms: ${text}`));
    }, timeoutMs);
    const onData = (): void => {
      if (!proc.log().includes(text)) return;
      proc.child.stderr!.off('data', onData);
      clearTimeout(timer);
      resolve();
    };
    proc.child.stderr!.on('data', onData);
  });
}

/** An HTTP backend that answers /slow only when release() is called, and everything else at once. */
export interface HeldBackend {
  port: number;
  /** resolves when `n` /slow requests are waiting */
  arrived(n: number): Promise<void>;
  release(): void;
  close(): Promise<void>;
}

export async function startHeldBackend(): Promise<HeldBackend> {
  const waiting: http.ServerResponse[] = [];
  const watchers: Array<() => void> = [];
  const server = http.createServer((req, res) => {
    req.resume();
    if (req.url !== '/slow') return void res.end('fast');
    waiting.push(res);
    for (const watcher of watchers) watcher();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    arrived: (n) =>
      new Promise((resolve) => {
        const check = (): void => {
          if (waiting.length >= n) resolve();
        };
        watchers.push(check);
        check();
      }),
    release: () => {
      for (const res of waiting.splice(0)) res.end('slow done');
    },
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** Whether a new TCP connection to the port is refused. */
export function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(true));
  });
}

/** A TCP echo server. */
export async function startEchoServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
