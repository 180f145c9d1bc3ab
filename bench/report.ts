// Summaries (medians over rounds), the console table, the ratios, the JSON file and the Markdown table.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { TargetName } from './options.js';

export interface RoundSample {
  round: number;
  reqPerSec: number; // @50 connections
  requests: number; // completed in the 50-connection run
  p50Ms?: number; // @1 connection
  p99Ms?: number;
  cpuSeconds?: number; // proxy tree, during the 50-connection run
  reqPerCpuSecond?: number;
  errors: number; // socket errors + non-2xx, both runs
}

export interface Summary {
  reqPerSec?: number;
  p50Ms?: number;
  p99Ms?: number;
  cpuSeconds?: number;
  reqPerCpuSecond?: number;
  errors: number;
}

export interface TargetResult {
  name: TargetName;
  error?: string;
  samples: RoundSample[];
  median: Summary;
}

export interface Ratios {
  [pair: string]: { reqPerSec?: number; reqPerCpuSecond?: number };
}

export interface BenchReport {
  date: string;
  machine: { cpus: number; model: string; loadavgAtStart: number[]; loadavgAtEnd: number[] };
  versions: Record<string, string>;
  settings: { rounds: number; durationSec: number; bodyBytes: number; connections: { throughput: number; latency: number } };
  targets: TargetResult[];
  ratios: Ratios;
}

export function median(values: (number | undefined)[]): number | undefined {
  const v = values.filter((x): x is number => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return undefined;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 === 1 ? v[mid] : (v[mid - 1]! + v[mid]!) / 2;
}

export function summarize(samples: RoundSample[]): Summary {
  return {
    reqPerSec: median(samples.map((s) => s.reqPerSec)),
    p50Ms: median(samples.map((s) => s.p50Ms)),
    p99Ms: median(samples.map((s) => s.p99Ms)),
    cpuSeconds: median(samples.map((s) => s.cpuSeconds)),
    reqPerCpuSecond: median(samples.map((s) => s.reqPerCpuSecond)),
    errors: samples.reduce((sum, s) => sum + s.errors, 0),
  };
}

export function computeRatios(targets: TargetResult[]): Ratios {
  const byName = new Map(targets.filter((t) => !t.error).map((t) => [t.name, t.median]));
  const ratios: Ratios = {};
  const fulcrum = byName.get('fulcrum');
  for (const other of ['nginx', 'haproxy'] as const) {
    if (!fulcrum) break;
    const o = byName.get(other);
    if (!o) continue;
    ratios[`fulcrum/${other}`] = {
      reqPerSec: divide(fulcrum.reqPerSec, o.reqPerSec),
      reqPerCpuSecond: divide(fulcrum.reqPerCpuSecond, o.reqPerCpuSecond),
    };
  }
  const fulcrumH2 = byName.get('fulcrum-h2');
  const nginxH2 = byName.get('nginx-h2');
  if (fulcrumH2 && nginxH2) {
    ratios['fulcrum-h2/nginx-h2'] = {
      reqPerSec: divide(fulcrumH2.reqPerSec, nginxH2.reqPerSec),
      reqPerCpuSecond: divide(fulcrumH2.reqPerCpuSecond, nginxH2.reqPerCpuSecond),
    };
  }
  for (const kind of ['https', 'tls-new'] as const) {
    const f = byName.get(`fulcrum-${kind}`);
    const n = byName.get(`nginx-${kind}`);
    if (f && n) ratios[`fulcrum-${kind}/nginx-${kind}`] = { reqPerSec: divide(f.reqPerSec, n.reqPerSec), reqPerCpuSecond: divide(f.reqPerCpuSecond, n.reqPerCpuSecond) };
  }
  const fulcrumTcp = byName.get('fulcrum-tcp');
  const haproxyTcp = byName.get('haproxy-tcp');
  if (fulcrumTcp && haproxyTcp) {
    ratios['fulcrum-tcp/haproxy-tcp'] = {
      reqPerSec: divide(fulcrumTcp.reqPerSec, haproxyTcp.reqPerSec),
      reqPerCpuSecond: divide(fulcrumTcp.reqPerCpuSecond, haproxyTcp.reqPerCpuSecond),
    };
  }
  // before/after: this checkout's Fulcrum against the --baseline one; and workers against one process
  for (const [now, before] of [
    ['fulcrum-w2', 'fulcrum'],
    ['fulcrum-wauto', 'fulcrum'],
    ['fulcrum', 'base'],
    ['fulcrum-tcp', 'base-tcp'],
    ['fulcrum-h2', 'base-h2'],
    ['fulcrum-https', 'base-https'],
    ['fulcrum-tls-new', 'base-tls-new'],
  ] as const) {
    const a = byName.get(now);
    const b = byName.get(before);
    if (a && b) ratios[`${now}/${before}`] = { reqPerSec: divide(a.reqPerSec, b.reqPerSec), reqPerCpuSecond: divide(a.reqPerCpuSecond, b.reqPerCpuSecond) };
  }
  return ratios;
}

function divide(a?: number, b?: number): number | undefined {
  return a !== undefined && b !== undefined && b > 0 ? a / b : undefined;
}

const fmtInt = (n?: number): string => (n === undefined ? '-' : Math.round(n).toLocaleString('en-US'));
const fmtLatency = (ms?: number): string => (ms === undefined ? '-' : ms < 1 ? `${Math.round(ms * 1000)} µs` : `${ms.toFixed(2)} ms`);
const fmtCpu = (s?: number): string => (s === undefined ? '-' : s.toFixed(2));
const fmtRatio = (r?: number): string => (r === undefined ? '-' : `${r.toFixed(2)}×`);

const HEADERS = ['target', 'req/s @50c', 'p50 @1c', 'p99 @1c', 'proxy CPU-s', 'req per CPU-s'];

function rows(report: BenchReport): string[][] {
  return report.targets.map((t) =>
    t.error
      ? [t.name, 'failed', '-', '-', '-', '-']
      : [t.name, fmtInt(t.median.reqPerSec), fmtLatency(t.median.p50Ms), fmtLatency(t.median.p99Ms), fmtCpu(t.median.cpuSeconds), fmtInt(t.median.reqPerCpuSecond)],
  );
}

export function consoleTable(report: BenchReport): string {
  const all = [HEADERS, ...rows(report)];
  const widths = HEADERS.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  const line = (r: string[]): string => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const out = [line(HEADERS), widths.map((w) => '-'.repeat(w)).join('  '), ...rows(report).map(line)];
  for (const t of report.targets) {
    if (t.error) out.push(`${t.name}: failed: ${briefError(t.error)}`);
    else if (t.median.errors > 0) out.push(`${t.name}: ${t.median.errors} socket errors or non-2xx responses (see latest.json)`);
  }
  return out.join('\n');
}

/** First line, and the last line when the error carries a process's output. */
function briefError(error: string): string {
  const lines = error
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return lines.length > 1 ? `${lines[0]} … ${lines[lines.length - 1]}` : (lines[0] ?? '');
}

export function ratioLines(report: BenchReport): string {
  const pairs = Object.entries(report.ratios);
  if (pairs.length === 0) return 'ratios: need fulcrum and nginx and/or haproxy in the same run';
  return pairs.map(([pair, r]) => `${pair}: req/s ${fmtRatio(r.reqPerSec)}, req per CPU-s ${fmtRatio(r.reqPerCpuSecond)}`).join('\n');
}

export function markdown(report: BenchReport): string {
  const s = report.settings;
  const lines = [`| ${HEADERS.join(' | ')} |`, `| ${HEADERS.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`, ...rows(report).map((r) => `| ${r.join(' | ')} |`)];
  const ratios = Object.entries(report.ratios).map(([pair, r]) => `${pair}: ${fmtRatio(r.reqPerSec)} req/s, ${fmtRatio(r.reqPerCpuSecond)} req per CPU-s`);
  const note =
    `HTTP/1.1 \`GET /\`, ${s.bodyBytes}-byte body, 3 nginx backends, all on 127.0.0.1; ` +
    `median of ${s.rounds} rounds of ${s.durationSec} s (wrk -c${s.connections.throughput} for req/s, -c${s.connections.latency} for latency); ` +
    `${report.machine.cpus} cores (${report.machine.model}) shared by wrk, backends and proxy; ${report.date.slice(0, 10)}.` +
    (report.targets.some((t) => t.name.endsWith('-h2')) ? ' *-h2 rows: h2c with prior knowledge from h2load (-c50 -m10 for req/s, -c1 -m1 for latency), HTTP/1.1 to the backends.' : '');
  return [...lines, '', ...(ratios.length ? [ratios.join('; ') + '.', ''] : []), `<sub>${note}</sub>`].join('\n');
}

export function writeJson(file: string, report: BenchReport): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
}
