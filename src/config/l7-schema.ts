// The L7 session features of a service: sticky sessions and circuit breaking. Defaults are noted
// beside each field; docs/websocket-sticky-circuit.md explains them.
import { z } from 'zod';
import { SAME_SITE_VALUES } from './enums.js';
import { needed } from './key-rules.js';
import { count, describeValue, duration } from './values.js';

/** Cookie names are RFC 6265 tokens. */
const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

const cookieSticky = z.strictObject({
  name: z
    .string()
    .regex(COOKIE_NAME, { error: (issue) => `expected a cookie name (letters, digits, "-", "_"), got ${describeValue(issue.input)}` })
    .default('FULCRUM_SRV'), // FULCRUM_SRV
  maxAge: duration(3_600_000), // 1h; 0 = a session cookie (no Max-Age)
  sameSite: z.enum(SAME_SITE_VALUES).default('Lax'), // Lax
  httpOnly: z.boolean().default(true), // true
  secure: z.union([z.boolean(), z.literal('auto')]).default('auto'), // auto: Secure on https listeners
  path: z.string().startsWith('/', 'expected a path starting with "/"').default('/'), // /
});

const clientIpSticky = z.strictObject({
  ttl: duration(1_800_000), // 30m since the client's last request
});

export const stickySchema = z
  .strictObject({
    cookie: cookieSticky.optional(),
    clientIp: clientIpSticky.optional(),
  })
  .superRefine((sticky, ctx) => {
    const kinds = (sticky.cookie ? 1 : 0) + (sticky.clientIp ? 1 : 0);
    if (kinds !== 1) ctx.addIssue({ code: 'custom', message: 'expected exactly one of cookie: {...} or clientIp: {...}' });
    if (sticky.cookie?.sameSite === 'None' && sticky.cookie.secure === false) {
      ctx.addIssue({ code: 'custom', path: ['cookie', 'secure'], message: 'SameSite=None needs Secure (browsers drop the cookie otherwise)' });
    }
  })
  // exactly one of them, checked above
  .transform((sticky) => (sticky.cookie !== undefined ? { kind: 'cookie' as const, ...sticky.cookie } : { kind: 'clientIp' as const, ttl: needed(sticky.clientIp).ttl }));

const ratio = z
  .number({ error: (issue) => `expected a ratio between 0 and 1 like 0.5, got ${describeValue(issue.input)}` })
  .min(0, { error: (issue) => `expected a ratio between 0 and 1 like 0.5, got ${describeValue(issue.input)}` })
  .max(1, { error: (issue) => `expected a ratio between 0 and 1 like 0.5, got ${describeValue(issue.input)}` });

export const circuitBreakerSchema = z
  .strictObject({
    maxConnections: count(0), // 0 = unlimited: upstream connections open to the service (idle, busy and tunnels)
    maxPending: count(0), // 0 = unlimited: requests waiting for a new upstream connection to open
    maxRequests: count(0), // 0 = unlimited: requests in flight to the service
    errorRatio: ratio.default(0), // 0 = off: trip when this share of the window's requests failed
    minRequests: count(20, 1), // 20 requests in the window before the ratio counts
    window: duration(10_000), // 10s: the rolling window of outcomes
    latency: duration(0), // 0 = off: a response head slower than this counts as a failure
    openFor: duration(30_000), // 30s open (every request 503) before half-open
    halfOpenRequests: count(1, 1), // 1 trial request at a time in half-open; that many successes close
  })
  .superRefine((breaker, ctx) => {
    if (breaker.window < 100) ctx.addIssue({ code: 'custom', path: ['window'], message: `window (${breaker.window} ms) must be at least 100ms` });
    if (breaker.errorRatio > 0 || breaker.latency > 0) {
      if (breaker.openFor === 0) ctx.addIssue({ code: 'custom', path: ['openFor'], message: 'openFor must be above 0 when the breaker can trip' });
    }
  });
