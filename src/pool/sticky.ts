import { createHmac, randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { StickyConfig } from '../config/types.js';
import { isPromise, type MaybePromise, type StateStore } from '../state/state-store.js';
import type { Backend } from './backend.js';

/** The StateStore key of the secret that makes cookie values; shared by instances on one store (in Redis, after `state.keyPrefix`). */
export const STICKY_SECRET_KEY = 'sticky:secret';
/** How often a cookie policy asks the store for the shared secret again (it may have been made locally while the store was down). */
const SECRET_RECHECK_MS = 10_000;

/**
 * Sticky sessions for one service: which backend a request is stuck to, and what to tell the
 * client after the choice. The data path asks `lookup` before the balancer (using the backend
 * only if it is `available()`), and `onResponse` once the serving backend is known.
 */
export interface StickyPolicy {
  /** The backend the request is stuck to (available or not), or undefined; a promise only with a networked store. */
  lookup(cookieHeader: string | undefined, clientIp: string): MaybePromise<Backend | undefined>;
  /** After `served` answered: a Set-Cookie field line to add ('' = none); remembers the choice. */
  onResponse(served: Backend, stuckTo: Backend | undefined, clientIp: string, https: boolean): string;
  /** The service's backends changed. */
  setBackends(backends: readonly Backend[]): void;
}

type CookieConfig = Extract<StickyConfig, { kind: 'cookie' }>;

/**
 * Cookie insert: the value is an HMAC of service and backend under a secret kept in the
 * StateStore, so it reveals nothing about the backend's address, cannot be forged for a backend
 * by editing it, and is the same on every instance sharing the store.
 */
export class CookieSticky implements StickyPolicy {
  private secret: string;
  /** performance.now() after which the next lookup asks the store for the secret again */
  private recheckAt = 0;
  private backends: readonly Backend[] = [];
  private readonly byToken = new Map<string, Backend>();
  /** backend → [field line for http, field line for https] */
  private readonly fields = new Map<Backend, [string, string]>();

  constructor(
    private readonly service: string,
    private readonly config: CookieConfig,
    private readonly store: StateStore,
  ) {
    this.secret = randomBytes(32).toString('base64url');
    this.askSecret();
  }

  /** The cookie value for `backend` (22 characters of base64url). */
  tokenOf(backend: Backend): string {
    return createHmac('sha256', this.secret)
      .update(this.service + '\n' + backend.id)
      .digest('base64url')
      .slice(0, 22);
  }

  lookup(cookieHeader: string | undefined): Backend | undefined {
    if (performance.now() >= this.recheckAt) this.askSecret();
    if (cookieHeader === undefined) return undefined;
    const value = cookieValue(cookieHeader, this.config.name);
    return value === undefined ? undefined : this.byToken.get(value);
  }

  onResponse(served: Backend, stuckTo: Backend | undefined, _clientIp: string, https: boolean): string {
    if (served === stuckTo) return '';
    const pair = this.fields.get(served);
    if (pair === undefined) return '';
    return https ? pair[1] : pair[0];
  }

  setBackends(backends: readonly Backend[]): void {
    this.backends = backends;
    this.byToken.clear();
    this.fields.clear();
    const { name, maxAge, sameSite, httpOnly, secure, path } = this.config;
    const attributes = '; Path=' + path + (maxAge > 0 ? '; Max-Age=' + Math.floor(maxAge / 1000) : '') + (httpOnly ? '; HttpOnly' : '') + '; SameSite=' + sameSite;
    for (const backend of backends) {
      const token = this.tokenOf(backend);
      this.byToken.set(token, backend);
      const line = 'Set-Cookie: ' + name + '=' + token + attributes;
      this.fields.set(backend, [line + (secure === true ? '; Secure' : '') + '\r\n', line + (secure === false ? '' : '; Secure') + '\r\n']);
    }
  }

  /**
   * The first instance to store its secret wins (set if absent, atomic in Redis); the others adopt it.
   * Asked again now and then: a secret made while the store was down gives way to the shared one.
   */
  private askSecret(): void {
    this.recheckAt = performance.now() + SECRET_RECHECK_MS;
    const stored = this.store.setIfAbsent(STICKY_SECRET_KEY, this.secret, 0);
    if (!isPromise(stored)) this.adoptSecret(stored);
    else stored.then((value) => this.adoptSecret(value)).catch(() => undefined);
  }

  private adoptSecret(value: string): void {
    if (value === this.secret) return;
    this.secret = value;
    this.setBackends(this.backends);
  }
}

/**
 * Client-IP stickiness: the StateStore maps `service + client address` to a backend id, with a
 * TTL renewed by every request, so a client keeps its backend while it keeps coming back.
 */
export class ClientIpSticky implements StickyPolicy {
  private readonly byId = new Map<string, Backend>();
  private readonly prefix: string;

  constructor(
    service: string,
    private readonly ttl: number,
    private readonly store: StateStore,
  ) {
    this.prefix = 'sticky:' + service + ':ip:';
  }

  lookup(_cookieHeader: string | undefined, clientIp: string): MaybePromise<Backend | undefined> {
    const id = this.store.get(this.prefix + clientIp);
    if (isPromise(id))
      return id.then(
        (value) => (value === undefined ? undefined : this.byId.get(value)),
        () => undefined,
      );
    return id === undefined ? undefined : this.byId.get(id);
  }

  onResponse(served: Backend, _stuckTo: Backend | undefined, clientIp: string): string {
    const set = this.store.set(this.prefix + clientIp, served.id, this.ttl);
    if (isPromise(set)) set.catch(() => undefined);
    return '';
  }

  setBackends(backends: readonly Backend[]): void {
    this.byId.clear();
    for (const backend of backends) this.byId.set(backend.id, backend);
  }
}

export function createSticky(service: string, config: StickyConfig, store: StateStore): StickyPolicy {
  return config.kind === 'cookie' ? new CookieSticky(service, config, store) : new ClientIpSticky(service, config.ttl, store);
}

/** The value of cookie `name` in a Cookie field value; undefined if absent. */
function cookieValue(header: string, name: string): string | undefined {
  let start = 0;
  while (start < header.length) {
    let semi = header.indexOf(';', start);
    if (semi === -1) semi = header.length;
    const eq = header.indexOf('=', start);
    if (eq !== -1 && eq < semi && header.slice(start, eq).trim() === name) return header.slice(eq + 1, semi).trim();
    start = semi + 1;
  }
  return undefined;
}
