// Lookups into the parts of a request that are not parsed up front: query and cookies.
import type { KeySource } from '../balancing/hash-key.js';
import type { RequestHead } from './h1/request-head.js';

/** A request seen by a service's hashKey function; only built for hash algorithms. */
export class RequestKeySource implements KeySource {
  constructor(
    private readonly head: RequestHead,
    readonly clientIp: string,
  ) {}
  get path(): string {
    return this.head.path;
  }
  header(name: string): string | undefined {
    return this.head.fields.get(name);
  }
  cookie(name: string): string | undefined {
    return cookieValue(this.head.fields.get('cookie'), name);
  }
  query(name: string): string | undefined {
    return queryParam(this.head.query, name);
  }
}

/** The first value of `name` in a query string (without '?'), decoded; undefined if absent. */
export function queryParam(query: string, name: string): string | undefined {
  if (query.length === 0) return undefined;
  let start = 0;
  while (start <= query.length) {
    let amp = query.indexOf('&', start);
    if (amp === -1) amp = query.length;
    const eq = query.indexOf('=', start);
    const keyEnd = eq === -1 || eq > amp ? amp : eq;
    if (decode(query.slice(start, keyEnd)) === name) {
      return keyEnd === amp ? '' : decode(query.slice(keyEnd + 1, amp));
    }
    start = amp + 1;
  }
  return undefined;
}

/** The value of cookie `name` in a Cookie header value; undefined if absent. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  let start = 0;
  while (start < header.length) {
    let semi = header.indexOf(';', start);
    if (semi === -1) semi = header.length;
    while (header.charCodeAt(start) === 0x20) start++;
    const eq = header.indexOf('=', start);
    if (eq !== -1 && eq < semi && header.slice(start, eq).trim() === name) {
      let value = header.slice(eq + 1, semi).trim();
      if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
      return value;
    }
    start = semi + 1;
  }
  return undefined;
}

function decode(s: string): string {
  if (s.indexOf('%') === -1 && s.indexOf('+') === -1) return s;
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}
