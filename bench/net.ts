// Free loopback ports, and waiting until a server answers HTTP.
import { request as httpsRequest } from 'node:https';
import { createServer, connect } from 'node:net';
import { describeExit, type Managed } from './processes.js';

export const HOST = '127.0.0.1';

/** Ports the kernel says are free right now (bind to port 0, read, close), all different. */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => {
      return new Promise<import('node:net').Server>((resolve, reject) => {
        const server = createServer();
        server.once('error', reject);
        server.listen(0, HOST, () => resolve(server));
      });
    }),
  );
  const ports = servers.map((s) => {
    const addr = s.address();
    if (addr === null || typeof addr === 'string') throw new Error('unexpected server address');
    return addr.port;
  });
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  return ports;
}

/** One TCP connection and one `GET /`; resolves with the status code, rejects on any failure. */
export function httpProbe(port: number, timeoutMs = 1000): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: HOST, port });
    let data = '';
    const timer = setTimeout(() => socket.destroy(new Error('timeout')), timeoutMs);
    socket.setEncoding('latin1');
    socket.once('connect', () => {
      socket.write(`GET / HTTP/1.1\r\nHost: ${HOST}:${port}\r\nConnection: close\r\n\r\n`);
    });
    socket.on('data', (chunk: string) => {
      data += chunk;
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(data);
      if (match && data.includes('\r\n\r\n')) {
        clearTimeout(timer);
        socket.destroy();
        resolve(Number(match[1]));
      }
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.once('close', () => {
      clearTimeout(timer);
      reject(new Error('connection closed before a response'));
    });
  });
}

/** `GET /` over TLS (the bench's self-signed certificate is not checked); resolves with the status. */
export function httpsProbe(port: number, timeoutMs = 1000): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: HOST, port, path: '/', rejectUnauthorized: false, agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.once('timeout', () => req.destroy(new Error('timeout')));
    req.once('error', reject);
    req.end();
  });
}

/** Polls until `GET /` on the port answers 200; fails early if the process exits. */
export async function waitForHttp(port: number, proc: Managed, timeoutMs = 15000, probe: (port: number) => Promise<number> = httpProbe): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = 'no answer';
  while (Date.now() < deadline) {
    if (proc.exited) {
      throw new Error(`not ready on port ${port}: ${describeExit(proc)}`);
    }
    try {
      const status = await probe(port);
      if (status === 200) return;
      lastError = `status ${status}`;
    } catch (err) {
      lastError = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${proc.name} did not answer 200 on port ${port} within ${timeoutMs} ms (${lastError}):\n${proc.output().trim()}`);
}
