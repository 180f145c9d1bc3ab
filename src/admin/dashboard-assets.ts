// Serves the dashboard built by `npm run build` (src/admin/dashboard → dist/dashboard): `/` is its
// index.html, `/assets/NAME` its bundled script and styles. Everything is local: no CDN. The
// assets carry no data, so they need no token; the page asks for one when the API answers 401.
import { readFile } from 'node:fs/promises';
import type http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** dist/src/admin/ → dist/dashboard/ */
const DASHBOARD_DIR = fileURLToPath(new URL('../../dashboard/', import.meta.url));

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.map': 'application/json; charset=utf-8',
};

const HEADERS = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY', // the page has buttons that drain backends: never inside someone else's frame
  'referrer-policy': 'no-referrer',
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'cache-control': 'no-cache',
};

/** True when the request is for the dashboard's page or one of its assets. */
export function isDashboardPath(method: string | undefined, pathname: string): boolean {
  return (method === 'GET' || method === 'HEAD') && (pathname === '/' || pathname === '/index.html' || pathname === '/simulate.html' || pathname.startsWith('/assets/'));
}

const cache = new Map<string, Buffer>();

export async function serveDashboard(req: http.IncomingMessage, res: http.ServerResponse, pathname: string, dir = DASHBOARD_DIR): Promise<void> {
  const name = pathname === '/' || pathname === '/index.html' ? 'index.html' : pathname === '/simulate.html' ? 'simulate.html' : pathname.slice('/assets/'.length);
  const type = CONTENT_TYPES[path.extname(name)];
  if (!/^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/.test(name) || type === undefined) return sendText(res, 404, `no such asset: ${pathname}`);
  const file = path.join(dir, name);
  let body = cache.get(file);
  if (body === undefined) {
    try {
      body = await readFile(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      if (name === 'index.html') return sendText(res, 503, `the dashboard is not built (${dir} has no index.html): run \`npm run build\``);
      return sendText(res, 404, `no such asset: ${pathname}`);
    }
    cache.set(file, body);
  }
  res.writeHead(200, { ...HEADERS, 'content-type': type, 'content-length': body.length });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function sendText(res: http.ServerResponse, status: number, text: string): void {
  res.writeHead(status, { ...HEADERS, 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) + 1 });
  res.end(text + '\n');
}
