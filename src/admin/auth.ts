// Bearer-token check for the admin API. The token is read per request, so a reload can change it.
import { createHash, timingSafeEqual } from 'node:crypto';
import type http from 'node:http';
import { AdminError } from './json.js';

/** Throws 401 unless the request carries `Authorization: Bearer TOKEN`; no token configured lets everything through. */
export function requireToken(req: http.IncomingMessage, token: string | undefined): void {
  if (token === undefined) return;
  const header = req.headers.authorization ?? '';
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  const challenge = { 'www-authenticate': 'Bearer realm="fulcrum-admin"' };
  if (match === null) throw new AdminError(401, 'missing credentials: send "Authorization: Bearer TOKEN" (admin.token)', challenge);
  if (!sameSecret(match[1]!, token)) throw new AdminError(401, 'invalid token', challenge);
}

/** Compares digests, so neither the length nor the content leaks through timing. */
function sameSecret(given: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(expected));
}
