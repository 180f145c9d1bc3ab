// What a scenario file may say (YAML or JSON), validated with zod like the config and reported
// through the same error machinery (src/config/issues.ts): a file position and a key path per problem.
import { z } from 'zod';
import { ALGORITHMS } from '../config/enums.js';
import { passiveHealthSchema, slowStartSchema } from '../config/health-schema.js';
import { count, describeValue, duration, durationValue, NAME_PATTERN } from '../config/values.js';

const positive = (what: string) =>
  z.number({ error: (issue) => `expected ${what}, got ${describeValue(issue.input)}` }).refine((x) => x > 0, { error: (issue) => `expected ${what}, got ${describeValue(issue.input)}` });
const share = z.number().min(0).max(1);
const name = z.string().regex(NAME_PATTERN, 'expected a name of letters, digits, "-", "_" or "."');

export const distributionSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('constant'), value: durationValue }),
  z.strictObject({ type: z.literal('exponential'), mean: durationValue }),
  z.strictObject({ type: z.literal('uniform'), min: durationValue, max: durationValue }),
  z.strictObject({ type: z.literal('bimodal'), fast: durationValue, slow: durationValue, slowShare: share }),
  z.strictObject({ type: z.literal('pareto'), scale: durationValue, alpha: positive('a number above 0'), max: durationValue.optional() }),
]);

export const serverSchema = z.strictObject({
  name,
  /** this many servers, named name-1 … name-N (1: just `name`) */
  count: count(1, 1),
  /** work done per ms (2 = twice as fast as 1) */
  speed: positive('a speed above 0').default(1),
  /** requests served at once; the rest wait in its queue */
  concurrency: count(1, 1),
  weight: count(1, 0),
  /** a cold start: speed starts at warmupSpeed × speed and reaches speed after warmup */
  warmup: duration(0),
  warmupSpeed: positive('a factor above 0').default(0.25),
});

export const arrivalsSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('poisson'), rate: positive('requests per second above 0') }),
  /** Poisson at `rate`, and at `burstRate` for `burstLength` every `every` */
  z.strictObject({
    type: z.literal('bursts'),
    rate: positive('requests per second above 0'),
    burstRate: positive('requests per second above 0'),
    every: durationValue,
    burstLength: durationValue,
  }),
]);

const healthCheckSchema = z.strictObject({
  interval: duration(5_000),
  healthyThreshold: count(2, 1),
  unhealthyThreshold: count(3, 1),
});

export const variantSchema = z.strictObject({
  algorithm: z.enum(ALGORITHMS),
  /** how it is named in tables and charts (default: the algorithm, + what is switched on) */
  label: z.string().min(1).optional(),
  slowStart: slowStartSchema,
  healthCheck: healthCheckSchema.optional(),
  passiveHealth: passiveHealthSchema.optional(),
  panicThreshold: z.number().min(0).max(100).default(50),
  choices: count(2, 1),
  hashBalanceFactor: count(0, 0),
});

const algorithmEntry = z.union([z.enum(ALGORITHMS), variantSchema], { error: `expected an algorithm name (${ALGORITHMS.join(' | ')}) or { algorithm, ... }` });

export const eventSchema = z.discriminatedUnion('action', [
  z.strictObject({ at: durationValue, action: z.literal('slow'), server: z.string(), speed: positive('a factor above 0') }),
  z.strictObject({ at: durationValue, action: z.literal('die'), server: z.string() }),
  z.strictObject({ at: durationValue, action: z.literal('recover'), server: z.string() }),
  z.strictObject({ at: durationValue, action: z.literal('join'), server: serverSchema }),
  z.strictObject({ at: durationValue, action: z.literal('leave'), server: z.string() }),
]);

const METRICS = ['p50', 'p95', 'p99', 'max', 'mean', 'errors', 'errorRate', 'requestSpread', 'loadImbalance', 'peakInflight', 'targetShare', 'remapped'] as const;
export type MetricName = (typeof METRICS)[number];

/** One condition of the rule that decides `supported`: `of`'s metric is below/above a number or another variant's (× times). */
export const expectationSchema = z
  .strictObject({
    metric: z.enum(METRICS),
    of: z.string(),
    below: z.union([z.number(), z.string()]).optional(),
    above: z.union([z.number(), z.string()]).optional(),
    times: positive('a factor above 0').default(1),
  })
  .refine((e) => (e.below === undefined) !== (e.above === undefined), { error: 'give exactly one of below or above' });

export const scenarioSchema = z
  .strictObject({
    name,
    /** the sentence the scenario settles, quoted from where it was found */
    claim: z.string().default(''),
    source: z.string().default(''),
    description: z.string().default(''),
    seed: count(1, 0),
    requests: count(100_000, 1),
    servers: z.array(serverSchema).min(1),
    arrivals: arrivalsSchema,
    cost: distributionSchema,
    /** a dead server refuses a connection after this long (0: at once); it counts as an error */
    failLatency: duration(0),
    /** client keys the hash algorithms hash (client IPs), drawn uniformly */
    keys: count(10_000, 1),
    /** several balancers, each with its own view; `viewRefresh` > 0: every so often each learns the others' in-flight counts */
    balancers: z.strictObject({ count: count(1, 1), viewRefresh: duration(0) }).prefault({}),
    algorithms: z.array(algorithmEntry).min(1),
    events: z.array(eventSchema).default([]),
    /** how long after the first event `targetShare` counts requests */
    window: duration(2_000),
    expect: z.array(expectationSchema).default([]),
  })
  .superRefine((scenario, ctx) => {
    const labels = new Set<string>();
    scenario.algorithms.forEach((entry, i) => {
      const label = variantLabel(typeof entry === 'string' ? { algorithm: entry } : entry);
      if (labels.has(label)) ctx.addIssue({ code: 'custom', path: ['algorithms', i], message: `two algorithms are labelled '${label}': give one a label` });
      labels.add(label);
    });
    const servers = new Set<string>();
    for (const s of scenario.servers) for (const n of expandNames(s.name, s.count)) servers.add(n);
    scenario.events.forEach((event, i) => {
      if (event.action === 'join') {
        for (const n of expandNames(event.server.name, event.server.count)) servers.add(n);
      } else if (!servers.has(event.server)) {
        ctx.addIssue({ code: 'custom', path: ['events', i, 'server'], message: `no server named '${event.server}' (servers: ${[...servers].join(', ')})` });
      }
    });
    scenario.expect.forEach((e, i) => {
      for (const key of ['of', 'below', 'above'] as const) {
        const value = e[key];
        if (typeof value === 'string' && !labels.has(value))
          ctx.addIssue({ code: 'custom', path: ['expect', i, key], message: `no algorithm labelled '${value}' (labels: ${[...labels].join(', ')})` });
      }
    });
  });

export type ScenarioInput = z.input<typeof scenarioSchema>;
export type Scenario = z.output<typeof scenarioSchema>;
export type ServerSpec = z.output<typeof serverSchema>;
export type VariantSpec = z.output<typeof variantSchema>;
export type EventSpec = z.output<typeof eventSchema>;
export type Expectation = z.output<typeof expectationSchema>;

/** name-1 … name-N, or just name for one. */
export function expandNames(base: string, n: number): string[] {
  return n === 1 ? [base] : Array.from({ length: n }, (_, i) => `${base}-${i + 1}`);
}

export function variantLabel(v: { algorithm: string; label?: string | undefined; slowStart?: number; healthCheck?: unknown; passiveHealth?: unknown }): string {
  if (v.label !== undefined) return v.label;
  let label = v.algorithm;
  if (v.slowStart) label += ' +slow-start';
  if (v.healthCheck !== undefined) label += ' +health-check';
  if (v.passiveHealth !== undefined) label += ' +passive';
  return label;
}
