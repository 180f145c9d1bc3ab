// The admin REST API on node:http (not the hot path). The token is read from the running config
// per request, so a reload can set or change it.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { isLoopback } from '../config/net.js';
import type { HostPort } from '../config/types.js';
import type { Fulcrum, ReloadResult } from '../fulcrum.js';
import { requireToken } from './auth.js';
import { AdminError, sendError, sendJson } from './json.js';
import { route, type AdminContext } from './routes.js';
import { PROMETHEUS_CONTENT_TYPE } from '../observe/prometheus.js';
import { LiveStats } from '../observe/live-stats.js';
import { isDashboardPath, serveDashboard } from './dashboard-assets.js';
import { streamEvents } from './events.js';
import { answerProbe, isProbePath } from './probes.js';

export interface AdminOptions {
  /** how POST /reload gets the new config; default: the file the running config came from */
  reload?: () => Promise<ReloadResult>;
}

export class AdminServer {
  private server: http.Server;
  private readonly context: AdminContext;
  /** the dashboard's 1 s sampler of the traffic counters; runs while the server listens */
  readonly live: LiveStats;

  constructor(
    readonly fulcrum: Fulcrum,
    options: AdminOptions = {},
  ) {
    this.context = { fulcrum, reload: options.reload ?? (() => fulcrum.reloadFile()) };
    this.live = new LiveStats(fulcrum.observers.stats);
    this.server = this.createServer();
  }

  /** Binds admin.address; refuses a non-loopback address without a token. */
  async listen(address: HostPort = this.fulcrum.config.admin.address): Promise<AddressInfo> {
    if (!isLoopback(address.host) && this.fulcrum.config.admin.token === undefined) {
      throw new Error(`admin.token: the admin API is bound to ${address.host}, not loopback; set admin.token`);
    }
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ host: address.host, port: address.port }, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.live.start();
    return this.server.address() as AddressInfo;
  }

  address(): AddressInfo {
    return this.server.address() as AddressInfo;
  }

  /** After a reload changed admin.address: bind the new address, then close the old one. */
  async rebind(address: HostPort): Promise<AddressInfo> {
    const old = this.server;
    this.server = this.createServer();
    const bound = await this.listen(address);
    old.close();
    old.closeIdleConnections();
    return bound;
  }

  close(): Promise<void> {
    this.live.stop();
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private createServer(): http.Server {
    return http.createServer((req, res) => void this.handle(req, res));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    try {
      const { pathname } = new URL(req.url ?? '/', 'http://admin');
      // the dashboard's page and assets hold no data: no token, so a browser can open them
      if (isDashboardPath(req.method, pathname)) return await serveDashboard(req, res, pathname);
      // probes (keepalived, orchestrators) carry no token and learn nothing sensitive
      if (isProbePath(pathname)) return answerProbe(req, res, this.fulcrum, pathname);
      requireToken(req, this.fulcrum.config.admin.token);
      if (pathname === '/api/v1/events' || pathname === '/api/v1/events/') {
        if (req.method !== 'GET') throw new AdminError(405, `method ${req.method} not allowed on ${pathname}; allowed: GET`, { allow: 'GET' });
        return streamEvents(req, res, this.fulcrum, this.live);
      }
      if (pathname === '/metrics' && (req.method === 'GET' || req.method === 'HEAD')) {
        const text = await this.fulcrum.metrics();
        res.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE, 'cache-control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : text);
        return;
      }
      const { handler, params } = route(req.method ?? 'GET', pathname);
      const [status, body] = await handler(this.context, params, req);
      sendJson(res, status, body);
    } catch (error) {
      if (error instanceof AdminError) sendError(res, error);
      else {
        this.fulcrum.logger.error({ err: error }, 'admin API failure');
        sendError(res, new AdminError(500, `internal error: ${error instanceof Error ? error.message : String(error)}`));
      }
    }
  }
}
