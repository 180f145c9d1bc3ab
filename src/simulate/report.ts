// A run's figures as the JSON result (per variant) and as the text table `fulcrum simulate` prints.
import type { RunFigures } from './engine.js';
import type { Verdict, MetricValues } from './verdict.js';

export interface VariantResult {
  label: string;
  algorithm: string;
  requests: number;
  errors: number;
  errorRate: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number; mean: number };
  meanWaitMs: number;
  peakInflight: number;
  loadImbalance: number;
  requestSpread: number | null;
  targetShare: number | null;
  remapped: number | null;
  simulatedMs: number;
  servers: Array<{ name: string; requests: number; peakInflight: number; meanInflight: number }>;
}

export interface ScenarioReport {
  scenario: string;
  claim: string;
  source: string;
  description: string;
  seed: number;
  requests: number;
  supported: boolean;
  rule: string;
  checks: Verdict['checks'];
  results: VariantResult[];
}

/** Rounded so that output is stable and readable: 4 significant digits. */
function r(x: number): number {
  if (x === 0 || !Number.isFinite(x)) return x;
  return Number(x.toPrecision(4));
}

export function variantResult(f: RunFigures, startServers: ReadonlySet<string>): VariantResult {
  const h = f.latency;
  const counted = f.servers.filter((s) => startServers.has(s.name));
  const min = Math.min(...counted.map((s) => s.requests));
  const max = Math.max(...counted.map((s) => s.requests));
  return {
    label: f.label,
    algorithm: f.algorithm,
    requests: f.requests,
    errors: f.errors,
    errorRate: r(f.requests === 0 ? 0 : f.errors / f.requests),
    latencyMs: { p50: r(h.quantile(0.5)), p95: r(h.quantile(0.95)), p99: r(h.quantile(0.99)), max: r(h.max), mean: r(h.mean) },
    meanWaitMs: r(f.meanWait),
    peakInflight: Math.max(...f.servers.map((s) => s.peakInflight)),
    loadImbalance: r(f.loadImbalance),
    requestSpread: min > 0 ? r(max / min) : null,
    targetShare: f.targetShare === null ? null : r(f.targetShare),
    remapped: f.remapped === null ? null : r(f.remapped),
    simulatedMs: r(f.duration),
    servers: f.servers.map((s) => ({ name: s.name, requests: s.requests, peakInflight: s.peakInflight, meanInflight: r(s.meanInflight) })),
  };
}

export function metricValues(v: VariantResult): MetricValues {
  return {
    p50: v.latencyMs.p50,
    p95: v.latencyMs.p95,
    p99: v.latencyMs.p99,
    max: v.latencyMs.max,
    mean: v.latencyMs.mean,
    errors: v.errors,
    errorRate: v.errorRate,
    requestSpread: v.requestSpread,
    loadImbalance: v.loadImbalance,
    peakInflight: v.peakInflight,
    targetShare: v.targetShare,
    remapped: v.remapped,
  };
}

function pad(text: string, width: number, left = false): string {
  return left ? text.padEnd(width) : text.padStart(width);
}

function show(x: number | null): string {
  return x === null ? '-' : String(x);
}

/** The text report: the claim, one line per variant, the per-server split, the verdict. */
export function formatReport(report: ScenarioReport): string {
  const lines: string[] = [];
  lines.push(`scenario ${report.scenario} (seed ${report.seed}, ${report.requests} requests per algorithm)`);
  if (report.description) lines.push(report.description);
  if (report.claim) lines.push(`claim: "${report.claim}"${report.source ? ` (${report.source})` : ''}`);
  lines.push('');
  const header = ['algorithm', 'mean ms', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'errors', 'peak infl', 'imbalance', 'req spread', 'target share', 'remapped'];
  const rows = report.results.map((v) => [
    v.label,
    show(v.latencyMs.mean),
    show(v.latencyMs.p50),
    show(v.latencyMs.p95),
    show(v.latencyMs.p99),
    show(v.latencyMs.max),
    show(v.errors),
    show(v.peakInflight),
    show(v.loadImbalance),
    show(v.requestSpread),
    show(v.targetShare),
    show(v.remapped),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  lines.push(header.map((h, i) => pad(h, widths[i]!, i === 0)).join('  '));
  for (const row of rows) lines.push(row.map((c, i) => pad(c, widths[i]!, i === 0)).join('  '));
  lines.push('');
  lines.push('per server: requests / peak in-flight / mean in-flight');
  const names = report.results[0]?.servers.map((s) => s.name) ?? [];
  const serverHeader = ['algorithm', ...names];
  const serverRows = report.results.map((v) => [v.label, ...v.servers.map((s) => `${s.requests}/${s.peakInflight}/${s.meanInflight}`)]);
  const sw = serverHeader.map((h, i) => Math.max(h.length, ...serverRows.map((row) => (row[i] ?? '').length)));
  lines.push(serverHeader.map((h, i) => pad(h, sw[i]!, i === 0)).join('  '));
  for (const row of serverRows) lines.push(row.map((c, i) => pad(c, sw[i]!, i === 0)).join('  '));
  lines.push('');
  lines.push(`rule: ${report.rule}`);
  for (const c of report.checks) lines.push(`  ${c.holds ? 'ok  ' : 'FAIL'} ${c.rule}: ${c.observed}`);
  lines.push(`supported: ${report.supported ? 'yes' : 'no'}`);
  return `${lines.join('\n')}\n`;
}
