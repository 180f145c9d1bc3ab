// SVG charts of a run, written as plain strings (no dependency): the latency CDF of every variant,
// and each variant's in-flight requests per server over time. Coordinates are rounded so that the
// same run always gives the same bytes.
import type { RunFigures } from './engine.js';

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf', '#393b79', '#637939'];
const WIDTH = 780;
const MARGIN = { left: 64, right: 230, top: 36, bottom: 44 };

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function n(x: number): string {
  return (Math.round(x * 10) / 10).toString();
}

function niceMs(ms: number): string {
  if (ms >= 1000) return `${Number((ms / 1000).toPrecision(3))} s`;
  if (ms >= 1) return `${Number(ms.toPrecision(3))} ms`;
  return `${Number((ms * 1000).toPrecision(3))} µs`;
}

function legend(x: number, y: number, labels: readonly string[]): string {
  return labels
    .map((label, i) => {
      const yy = y + i * 18;
      const color = PALETTE[i % PALETTE.length]!;
      return `<line x1="${x}" y1="${yy}" x2="${x + 18}" y2="${yy}" stroke="${color}" stroke-width="2.5"/><text x="${x + 24}" y="${yy + 4}">${esc(label)}</text>`;
    })
    .join('');
}

function open(height: number, title: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="12"><rect width="100%" height="100%" fill="#fff"/><text x="${MARGIN.left}" y="20" font-size="14" font-weight="bold">${esc(title)}</text>`;
}

/** Latency CDF, log-scaled latency on x, share of requests on y, one line per variant. */
export function latencyCdfSvg(title: string, runs: readonly RunFigures[]): string {
  const height = 360;
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = height - MARGIN.top - MARGIN.bottom;
  let lo = Number.POSITIVE_INFINITY;
  let hi = 0;
  for (const run of runs) {
    if (run.latency.count === 0) continue;
    lo = Math.min(lo, run.latency.min);
    hi = Math.max(hi, run.latency.max);
  }
  if (!(hi > 0)) {
    lo = 1;
    hi = 10;
  }
  const l0 = Math.floor(Math.log10(Math.max(lo, 0.001)));
  const l1 = Math.max(l0 + 1, Math.ceil(Math.log10(hi)));
  const x = (ms: number) => MARGIN.left + ((Math.log10(Math.max(ms, 10 ** l0)) - l0) / (l1 - l0)) * plotW;
  const y = (share: number) => MARGIN.top + (1 - share) * plotH;
  const parts = [open(height, title)];
  for (let d = l0; d <= l1; d++) {
    const xx = n(x(10 ** d));
    parts.push(
      `<line x1="${xx}" y1="${MARGIN.top}" x2="${xx}" y2="${MARGIN.top + plotH}" stroke="#ddd"/><text x="${xx}" y="${MARGIN.top + plotH + 16}" text-anchor="middle">${niceMs(10 ** d)}</text>`,
    );
  }
  for (const share of [0, 0.5, 0.9, 0.99]) {
    const yy = n(y(share));
    parts.push(
      `<line x1="${MARGIN.left}" y1="${yy}" x2="${MARGIN.left + plotW}" y2="${yy}" stroke="#ddd"/><text x="${MARGIN.left - 6}" y="${yy}" text-anchor="end" dominant-baseline="middle">${share * 100}%</text>`,
    );
  }
  parts.push(`<text x="${MARGIN.left + plotW / 2}" y="${height - 8}" text-anchor="middle">latency (log scale)</text>`);
  runs.forEach((run, i) => {
    const points = run.latency.cdf(300);
    if (points.length === 0) return;
    const path = [`M${n(x(points[0]![0]))},${n(y(0))}`, ...points.map(([ms, share]) => `L${n(x(ms))},${n(y(share))}`)].join('');
    parts.push(`<path d="${path}" fill="none" stroke="${PALETTE[i % PALETTE.length]}" stroke-width="2"/>`);
  });
  parts.push(
    legend(
      MARGIN.left + plotW + 16,
      MARGIN.top + 8,
      runs.map((r) => r.label),
    ),
  );
  parts.push('</svg>\n');
  return parts.join('');
}

/** In-flight requests per server over simulated time: one panel per variant, one line per server. */
export function inflightSvg(title: string, runs: readonly RunFigures[]): string {
  const panelH = 150;
  const gap = 34;
  const height = MARGIN.top + runs.length * (panelH + gap) + 10;
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const parts = [open(height, title)];
  runs.forEach((run, r) => {
    const top = MARGIN.top + r * (panelH + gap) + 14;
    const names = [...run.inflightSeries.keys()];
    let peak = 1;
    for (const series of run.inflightSeries.values()) for (const v of series) if (v > peak) peak = v;
    const end = Math.max(1, run.samples * run.sampleMs);
    const x = (t: number) => MARGIN.left + (t / end) * plotW;
    const y = (v: number) => top + (1 - v / peak) * panelH;
    parts.push(`<text x="${MARGIN.left}" y="${top - 4}" font-weight="bold">${esc(run.label)}</text>`);
    parts.push(`<rect x="${MARGIN.left}" y="${top}" width="${plotW}" height="${panelH}" fill="none" stroke="#ccc"/>`);
    parts.push(
      `<text x="${MARGIN.left - 6}" y="${top + 4}" text-anchor="end" dominant-baseline="middle">${Number(peak.toPrecision(3))}</text><text x="${MARGIN.left - 6}" y="${top + panelH}" text-anchor="end">0</text>`,
    );
    parts.push(`<text x="${MARGIN.left + plotW}" y="${top + panelH + 14}" text-anchor="end">${niceMs(end)}</text><text x="${MARGIN.left}" y="${top + panelH + 14}">0</text>`);
    names.forEach((name, i) => {
      const series = run.inflightSeries.get(name)!;
      if (series.length === 0) return;
      const path = Array.from(series, (v, k) => `${k === 0 ? 'M' : 'L'}${n(x((k + 1) * run.sampleMs))},${n(y(v))}`).join('');
      parts.push(`<path d="${path}" fill="none" stroke="${PALETTE[i % PALETTE.length]}" stroke-width="1.2"/>`);
    });
    if (r === 0) parts.push(legend(MARGIN.left + plotW + 16, top + 8, names.slice(0, 12)));
  });
  parts.push('</svg>\n');
  return parts.join('');
}
