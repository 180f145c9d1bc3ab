import net from 'node:net';
import type { Backend } from '../pool/backend.js';
import { abortReason, type HealthCheck } from './health-check.js';

/** Healthy when a TCP connection opens; it is closed at once. */
export class TcpCheck implements HealthCheck {
  constructor(private readonly port?: number) {}

  check(backend: Backend, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(abortReason(signal));
      const socket = net.connect({ host: backend.host, port: this.port ?? backend.port });
      const onAbort = (): void => {
        socket.destroy();
        reject(abortReason(signal));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      socket.once('connect', () => {
        signal.removeEventListener('abort', onAbort);
        socket.destroy();
        resolve();
      });
      socket.once('error', (error: NodeJS.ErrnoException) => {
        signal.removeEventListener('abort', onAbort);
        reject(new Error(`connect: ${error.code ?? error.message}`));
      });
    });
  }
}
