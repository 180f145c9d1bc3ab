// GET /livez and GET /readyz: the two admin paths that need no token, for keepalived's vrrp_script,
// orchestrators and load balancers in front. HEAD answers the same status without a body.
import type http from 'node:http';
import type { Fulcrum } from '../fulcrum.js';
import { AdminError, sendJson } from './json.js';
import { readiness } from './readiness.js';

const PROBES = new Set(['/livez', '/readyz']);

export function isProbePath(pathname: string): boolean {
  return PROBES.has(pathname);
}

/** livez: 200 whenever the event loop gets to answer. readyz: 200, or 503 with the reasons. */
export function answerProbe(req: http.IncomingMessage, res: http.ServerResponse, fulcrum: Fulcrum, pathname: string): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') throw new AdminError(405, `method ${req.method} not allowed on ${pathname}; allowed: GET, HEAD`, { allow: 'GET, HEAD' });
  const [status, body] = pathname === '/livez' ? [200, { live: true }] : readyAnswer(fulcrum);
  if (req.method === 'HEAD') {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
    res.end();
    return;
  }
  sendJson(res, status, body);
}

function readyAnswer(fulcrum: Fulcrum): [number, unknown] {
  const { ready, reasons } = readiness(fulcrum);
  return [ready ? 200 : 503, { ready, reasons }];
}
