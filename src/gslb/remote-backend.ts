// PowerDNS's remote backend, HTTP connector (remote-connection-string=http:url=http://LISTEN/dns):
// PowerDNS asks `GET /dns/<method>/<arg>/<arg>` (arguments percent-encoded, names with their trailing
// dot) and reads `{"result": ...}`. Fulcrum answers the methods an authoritative-only native zone
// needs; anything else gets `{"result": false}` (PowerDNS's "no"), logged once per method.
import http from 'node:http';
import { isIP } from 'node:net';
import type { Logger } from '../observe/logger.js';
import type { Answered, Client, Zone } from './zone.js';

/** Methods PowerDNS calls in passing whose "no" is the right answer here: not worth a log line. */
const QUIET = new Set([
  'getAllDomainMetadata',
  'getDomainMetadata',
  'getDomainKeys',
  'getTSIGKey',
  'getBeforeAndAfterNamesAbsolute',
  'getUpdatedMasters',
  'getUnfreshSlaveInfos',
  'isMaster',
]);

export interface RemoteBackendHost {
  zone(): Zone;
  answered(answered: Answered): void;
}

export class RemoteBackendServer {
  private readonly server: http.Server;
  private readonly unknown = new Set<string>();

  constructor(
    private readonly host: RemoteBackendHost,
    private readonly logger: Logger,
  ) {
    this.server = http.createServer({ keepAlive: true }, (request, response) => this.handle(request, response));
    this.server.keepAliveTimeout = 60_000;
  }

  listen(address: { host: string; port: number }): Promise<{ address: string; port: number }> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(address.port, address.host, () => {
        this.server.off('error', reject);
        const bound = this.server.address() as { address: string; port: number };
        resolve({ address: bound.address, port: bound.port });
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private handle(request: http.IncomingMessage, response: http.ServerResponse): void {
    // a body (POST from other connectors' habits) is not needed: every argument is in the path
    request.resume();
    let result: unknown = false;
    try {
      result = this.answer(request);
    } catch (error) {
      this.logger.warn({ url: request.url, err: error instanceof Error ? error.message : String(error) }, 'gslb: remote backend request refused');
    }
    const body = JSON.stringify({ result });
    response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    response.end(body);
  }

  private answer(request: http.IncomingMessage): unknown {
    const path = (request.url ?? '').split('?')[0]!;
    const parts = path.split('/').filter((part) => part !== '');
    if (parts[0] !== 'dns' || parts.length < 2) throw new Error(`not a remote backend path: ${path}`);
    const method = parts[1]!;
    const args = parts.slice(2).map((part) => decodeURIComponent(part));
    const zone = this.host.zone();
    switch (method) {
      case 'initialize':
        return true;
      case 'lookup': {
        const records = zone.lookup(args[0] ?? '', args[1] ?? 'ANY', clientOf(request), (answered) => this.host.answered(answered));
        return records ?? false;
      }
      case 'getAllDomains':
        return [zone.domainInfo()];
      case 'getDomainInfo':
        return zone.relative(args[0] ?? '') === '@' ? zone.domainInfo() : false;
      default:
        if (!QUIET.has(method) && !this.unknown.has(method)) {
          this.unknown.add(method);
          this.logger.warn({ method, url: request.url }, 'gslb: PowerDNS called a remote backend method Fulcrum does not answer; it gets false');
        }
        return false;
    }
  }
}

/**
 * Who asked: the ECS subnet PowerDNS passes in X-RemoteBackend-real-remote ("10.1.0.0/16"; the
 * resolver's own address as /32 or /128 when the query had no ECS option), else X-RemoteBackend-remote.
 */
export function clientOf(request: http.IncomingMessage): Client {
  const real = header(request, 'x-remotebackend-real-remote') ?? header(request, 'x-remotebackend-remote') ?? '0.0.0.0';
  return parseClient(real);
}

export function parseClient(text: string): Client {
  const [rawIp = '', prefix] = text.trim().split('/');
  const ip = rawIp.replace(/%.*$/, '').replace(/^\[(.*)\]$/, '$1');
  const family = isIP(ip);
  const full = family === 6 ? 128 : 32;
  const bits = prefix === undefined ? full : Math.min(full, Math.max(0, Number(prefix) || 0));
  return { ip: family === 0 ? '0.0.0.0' : ip, bits };
}

function header(request: http.IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
