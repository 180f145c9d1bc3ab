// The rule that decides `supported`: every expectation of the scenario holds on the run's figures.
import type { Expectation, MetricName } from './scenario-schema.js';

/** What a variant's figures expose to rules, by metric name (null: not measured in this run). */
export type MetricValues = Record<MetricName, number | null>;

export interface Check {
  rule: string;
  holds: boolean;
  /** the figures compared, as printed */
  observed: string;
}

export interface Verdict {
  supported: boolean;
  /** the rule in words: every condition must hold */
  rule: string;
  checks: Check[];
}

export function judge(expectations: readonly Expectation[], metrics: ReadonlyMap<string, MetricValues>): Verdict {
  const checks = expectations.map((e) => check(e, metrics));
  return { supported: checks.length > 0 && checks.every((c) => c.holds), rule: checks.map((c) => c.rule).join(' and ') || 'no rule stated', checks };
}

function check(e: Expectation, metrics: ReadonlyMap<string, MetricValues>): Check {
  const below = e.below !== undefined;
  const bound = (below ? e.below : e.above)!;
  const left = metrics.get(e.of)?.[e.metric] ?? null;
  const right = typeof bound === 'number' ? bound : (metrics.get(bound)?.[e.metric] ?? null);
  const scaled = right === null ? null : right * (typeof bound === 'number' ? 1 : e.times);
  const factor = typeof bound === 'string' && e.times !== 1 ? `${e.times} × ` : '';
  const rhs = typeof bound === 'number' ? String(bound) : `${factor}${e.metric}(${bound})`;
  const rule = `${e.metric}(${e.of}) ${below ? '<' : '>'} ${rhs}`;
  const holds = left !== null && scaled !== null && (below ? left < scaled : left > scaled);
  const observed = `${fmt(left)} ${below ? '<' : '>'} ${fmt(scaled)}`;
  return { rule, holds, observed };
}

function fmt(x: number | null): string {
  if (x === null) return 'n/a';
  return Number.isInteger(x) ? String(x) : x.toPrecision(4);
}
