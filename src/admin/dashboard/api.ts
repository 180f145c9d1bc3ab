// The page's side of the admin API: the token, the live stream and the backend changes.
// The token travels in the Authorization header only, never in a URL: the live stream is read
// with fetch() streaming instead of EventSource (which cannot send headers).
import type { BackendView, Snapshot } from './types.js';

const TOKEN_KEY = 'fulcrum-admin-token';

/** The API said 401: a token is needed, or the one given is wrong. */
export class Unauthorized extends Error {}

/** `…/#token=T` opens the page with a token: kept for this tab, then removed from the address bar. */
export function takeTokenFromHash(): void {
  const match = /(?:^#|&)token=([^&]*)/.exec(location.hash);
  if (match === null) return;
  setToken(decodeURIComponent(match[1]!));
  history.replaceState(null, '', location.pathname + location.search);
}

export function getToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(token: string | null): void {
  if (token === null || token === '') sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, token);
}

function headers(extra: Record<string, string> = {}): Record<string, string> {
  const token = getToken();
  return token === null ? extra : { ...extra, authorization: `Bearer ${token}` };
}

/** PATCH a backend ({weight} or {drain}); the updated backend, or an Error with the API's message. */
export async function patchBackend(service: string, address: string, change: { weight?: number; drain?: boolean }): Promise<BackendView> {
  const res = await fetch(`api/v1/services/${encodeURIComponent(service)}/backends/${encodeURIComponent(address)}`, {
    method: 'PATCH',
    headers: headers({ 'content-type': 'application/json' }),
    body: JSON.stringify(change),
  });
  if (res.status === 401) throw new Unauthorized('token required');
  const body = (await res.json().catch(() => ({}))) as BackendView & { error?: string };
  if (!res.ok) throw new Error(body.error ?? `${res.status} ${res.statusText}`);
  return body;
}

/**
 * Reads GET /api/v1/events until it ends or `signal` aborts, calling `onSnapshot` for each
 * snapshot event. Throws Unauthorized on 401.
 */
export async function streamSnapshots(onSnapshot: (snapshot: Snapshot) => void, signal: AbortSignal): Promise<void> {
  const res = await fetch('api/v1/events', { headers: headers({ accept: 'text/event-stream' }), cache: 'no-store', signal });
  if (res.status === 401) throw new Unauthorized('token required');
  if (!res.ok || res.body === null) throw new Error(`events: ${res.status} ${res.statusText}`);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = parseEvent(block);
      if (event.type === 'snapshot' && event.data !== '') onSnapshot(JSON.parse(event.data) as Snapshot);
    }
  }
}

/** One SSE block: `event:` and the `data:` lines joined. */
function parseEvent(block: string): { type: string; data: string } {
  let type = 'message';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith('event:')) type = line.slice(6).trim();
    else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
  }
  return { type, data: data.join('\n') };
}
