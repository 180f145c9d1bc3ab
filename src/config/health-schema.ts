// The health part of a service's config: active checks, outlier detection, slow start and the
// panic threshold. Defaults are noted beside each field; docs/health.md explains them.
import { isIP } from 'node:net';
import { z } from 'zod';
import { DNS_CHECK_QTYPES, DNS_CHECK_RCODES, DNS_TRANSPORTS, HEALTH_CHECK_TYPES, HEALTH_INITIAL_STATES } from './enums.js';
import { dnsNameSchema } from './discovery-schema.js';
import { count, describeValue, duration, method, regexSource } from './values.js';

const HTTP_ONLY = ['method', 'path', 'host', 'expectStatus', 'bodyRegex'] as const;
const DNS_ONLY = ['query', 'queryType', 'expectRcode', 'expectAnswer', 'transport'] as const;

const RANGE = /^(\d{3})(?:\s*-\s*(\d{3}))?$/;
const defaultExpectStatus = (): Array<[number, number]> => [[200, 399]];

/** `200-399`, `200`, or a list of them: inclusive status ranges. */
const statusRange = z.union([z.number(), z.string()]).transform((value, ctx): [number, number] => {
  const match = typeof value === 'number' ? RANGE.exec(String(value)) : RANGE.exec(value.trim());
  const low = match ? Number(match[1]) : NaN;
  const high = match ? Number(match[2] ?? match[1]) : NaN;
  if (!(low >= 100 && high <= 599 && low <= high)) {
    ctx.addIssue({ code: 'custom', input: value, message: `expected a status like 200 or a range like "200-399", got ${describeValue(value)}` });
    return z.NEVER;
  }
  return [low, high];
});

const expectStatus = z
  .union([statusRange, z.array(statusRange).min(1)], { error: 'expected a status, a range like "200-399" or a list of them' })
  .transform((value) => (Array.isArray(value[0]) ? (value as Array<[number, number]>) : [value as [number, number]]));

const ipAddress = z.string().refine((text) => isIP(text) !== 0, { error: (issue) => `expected an IP address like "10.0.0.1", got ${describeValue(issue.input)}` });

const percent = (defaultValue: number) =>
  z
    .number({ error: (issue) => `expected a percentage 0-100, got ${describeValue(issue.input)}` })
    .min(0, { error: (issue) => `expected a percentage 0-100, got ${describeValue(issue.input)}` })
    .max(100, { error: (issue) => `expected a percentage 0-100, got ${describeValue(issue.input)}` })
    .default(defaultValue);

export const healthCheckSchema = z
  .strictObject({
    type: z.enum(HEALTH_CHECK_TYPES).default('http'), // http
    interval: duration(5_000), // 5s between the end of a probe and the next one
    timeout: duration(2_000), // 2s; must be below interval
    downInterval: duration(0).unwrap().optional(), // = interval: probe a down backend more often to see it recover sooner
    jitter: duration(0), // 0: a random 0..jitter added to each interval
    healthyThreshold: count(2, 1), // 2 consecutive successes: up (rise)
    unhealthyThreshold: count(3, 1), // 3 consecutive failures: down (fall)
    initialState: z.enum(HEALTH_INITIAL_STATES).default('healthy'), // healthy until the first result says otherwise
    port: z.number().int().min(1).max(65535).optional(), // the backend's port
    method: method.optional(), // http: GET
    path: z.string().startsWith('/', 'expected a path starting with "/"').optional(), // http: /
    host: z.string().min(1).optional(), // http: the backend's host:port
    expectStatus: expectStatus.optional(), // http: 200-399
    bodyRegex: regexSource.optional(), // http: none
    sni: z.string().min(1).optional(), // tls: none (no server name sent)
    service: z.string().optional(), // grpc: '' (the server as a whole), asked of grpc.health.v1.Health/Check
    query: dnsNameSchema.optional(), // dns: the name asked (required)
    queryType: z.enum(DNS_CHECK_QTYPES).optional(), // dns: A
    expectRcode: z.enum(DNS_CHECK_RCODES).optional(), // dns: NOERROR
    expectAnswer: ipAddress.optional(), // dns: none; else an A/AAAA answer must hold this address
    transport: z.enum(DNS_TRANSPORTS).optional(), // dns: udp; tcp: length-prefixed over a TCP connection
  })
  .superRefine((check, ctx) => {
    if (check.timeout >= check.interval) {
      ctx.addIssue({ code: 'custom', path: ['timeout'], message: `timeout (${check.timeout} ms) must be below interval (${check.interval} ms)` });
    }
    if (check.downInterval !== undefined && check.timeout >= check.downInterval) {
      ctx.addIssue({ code: 'custom', path: ['downInterval'], message: `downInterval (${check.downInterval} ms) must be above timeout (${check.timeout} ms)` });
    }
    if (check.type !== 'http') {
      for (const key of HTTP_ONLY) {
        if (check[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: `'${key}' is for http checks; this check is ${check.type}` });
      }
    }
    if (check.sni !== undefined && check.type !== 'tls') {
      ctx.addIssue({ code: 'custom', path: ['sni'], message: `'sni' is for tls checks; this check is ${check.type}` });
    }
    if (check.type !== 'dns') {
      for (const key of DNS_ONLY) {
        if (check[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: `'${key}' is for dns checks; this check is ${check.type}` });
      }
    } else if (check.query === undefined) {
      ctx.addIssue({ code: 'custom', path: ['query'], message: 'a dns check needs query: the name to ask, e.g. "health.example.test"' });
    }
    if (check.service !== undefined && check.type !== 'grpc') {
      ctx.addIssue({ code: 'custom', path: ['service'], message: `'service' is for grpc checks; this check is ${check.type}` });
    }
  })
  // The http fields get their defaults here rather than in the shape: the check above must see whether
  // they were written. `service` is named grpcService at runtime (a check has no service of its own).
  .transform(({ service, ...check }) => ({
    ...check,
    downInterval: check.downInterval ?? check.interval,
    method: check.method ?? 'GET',
    path: check.path ?? '/',
    expectStatus: check.expectStatus ?? defaultExpectStatus(),
    ...(check.type === 'grpc' && { grpcService: service ?? '' }),
    ...(check.type === 'dns' && { queryType: check.queryType ?? 'A', expectRcode: check.expectRcode ?? 'NOERROR', transport: check.transport ?? 'udp' }),
  }));

export const passiveHealthSchema = z
  .strictObject({
    maxFails: count(3, 1), // 3 consecutive failures eject
    failTimeout: duration(30_000), // 30s: the first ejection; the n-th lasts n × 30s
    on5xx: z.boolean().default(false), // false: only connect failures, timeouts and broken responses count
    maxEjectionPercent: percent(50), // 50: at most half the service ejected at once (at least one backend)
    maxEjectionTime: duration(300_000), // 5m: longest ejection
  })
  .superRefine((passive, ctx) => {
    if (passive.maxEjectionTime < passive.failTimeout) {
      ctx.addIssue({ code: 'custom', path: ['maxEjectionTime'], message: `maxEjectionTime (${passive.maxEjectionTime} ms) must be at least failTimeout (${passive.failTimeout} ms)` });
    }
  });

export const slowStartSchema = duration(0); // 0: off
export const panicThresholdSchema = percent(50); // 50%; 0 = never panic
