// Talks to the admin API: JSON in, { status, body, headers } out.
import { request } from 'undici';
import { AdminServer } from '../../src/admin/server.js';
import type { Fulcrum } from '../../src/fulcrum.js';

export interface AdminAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

export async function adminCall(baseUrl: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<AdminAnswer> {
  const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  const res = await request(baseUrl + path, {
    method: method as 'GET',
    body: text,
    headers: text === undefined ? headers : { 'content-type': 'application/json', ...headers },
  });
  const raw = await res.body.text();
  return { status: res.statusCode, headers: res.headers, body: raw === '' ? undefined : JSON.parse(raw) };
}

/** Starts the admin API of an in-process Fulcrum; returns it and its base URL (always via 127.0.0.1). */
export async function startAdmin(fulcrum: Fulcrum, options: ConstructorParameters<typeof AdminServer>[1] = {}): Promise<{ admin: AdminServer; url: string }> {
  const admin = new AdminServer(fulcrum, options);
  // a free port whatever the config says (its default, 9090, may be taken by anything on the machine)
  const bound = await admin.listen({ ...fulcrum.config.admin.address, port: 0 });
  return { admin, url: `http://127.0.0.1:${bound.port}` };
}
