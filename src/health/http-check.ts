import http from 'node:http';
import { formatHostPort } from '../config/net.js';
import type { HealthCheckConfig } from '../config/types.js';
import type { Backend } from '../pool/backend.js';
import { abortReason, type HealthCheck } from './health-check.js';

/** A body regex looks at no more than this much of the answer. */
const MAX_BODY = 64 * 1024;

/**
 * Healthy when `METHOD path` answers a status in `expectStatus` (and, if set, a body that
 * matches `bodyRegex`). A fresh connection per probe, closed after: a pooled socket would
 * hide a backend that no longer accepts connections.
 */
export class HttpCheck implements HealthCheck {
  private readonly bodyRegex: RegExp | null;

  constructor(private readonly config: HealthCheckConfig) {
    this.bodyRegex = config.bodyRegex === undefined ? null : new RegExp(config.bodyRegex);
  }

  check(backend: Backend, signal: AbortSignal): Promise<void> {
    const config = this.config;
    const port = config.port ?? backend.port;
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(abortReason(signal));
      const request = http.request({
        host: backend.host,
        port,
        method: config.method,
        path: config.path,
        agent: false,
        headers: {
          host: config.host ?? formatHostPort({ host: backend.host, port }),
          'user-agent': 'fulcrum-health-check',
          connection: 'close',
        },
      });
      const onAbort = (): void => {
        request.destroy();
        reject(abortReason(signal));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      const settle = (error: Error | null): void => {
        signal.removeEventListener('abort', onAbort);
        request.destroy();
        if (error === null) resolve();
        else reject(error);
      };
      request.once('error', (error: NodeJS.ErrnoException) => settle(new Error(`http: ${error.code ?? error.message}`)));
      request.once('response', (response) => {
        const status = response.statusCode ?? 0;
        if (!config.expectStatus.some(([low, high]) => status >= low && status <= high)) {
          response.resume();
          settle(new Error(`http: status ${status}`));
          return;
        }
        const regex = this.bodyRegex;
        if (regex === null) {
          response.resume();
          settle(null);
          return;
        }
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (text: string) => {
          if (body.length < MAX_BODY) body += text;
        });
        response.once('end', () => settle(regex.test(body.slice(0, MAX_BODY)) ? null : new Error(`http: body does not match /${regex.source}/`)));
        response.once('error', (error) => settle(new Error(`http: ${error.message}`)));
      });
      request.end();
    });
  }
}
