import { isIP } from 'node:net';
import tls from 'node:tls';
import type { Backend } from '../pool/backend.js';
import { abortReason, type HealthCheck } from './health-check.js';

/**
 * Healthy when a TLS handshake completes. The certificate is not verified: this asks
 * whether the server is up and speaks TLS, not whether we trust it (that belongs to the
 * upstream TLS settings).
 */
export class TlsCheck implements HealthCheck {
  constructor(
    private readonly port?: number,
    private readonly sni?: string,
  ) {}

  check(backend: Backend, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(abortReason(signal));
      const servername = this.sni ?? (isIP(backend.host) === 0 ? backend.host : undefined);
      const socket = tls.connect({
        host: backend.host,
        port: this.port ?? backend.port,
        rejectUnauthorized: false,
        ...(servername !== undefined && { servername }),
      });
      const onAbort = (): void => {
        socket.destroy();
        reject(abortReason(signal));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      socket.once('secureConnect', () => {
        signal.removeEventListener('abort', onAbort);
        socket.destroy();
        resolve();
      });
      socket.once('error', (error: NodeJS.ErrnoException) => {
        signal.removeEventListener('abort', onAbort);
        socket.destroy();
        reject(new Error(`tls: ${error.code ?? error.message}`));
      });
    });
  }
}
