// The two charts of a service, drawn with uPlot: requests per second (total and per backend) and
// latency percentiles, over the minutes the sampler keeps.
import uPlot from 'uplot';
import type { ServiceSeries } from './types.js';

/** Distinct, legible on white; the total is drawn in slate. */
const PALETTE = ['#2563eb', '#16a34a', '#d97706', '#9333ea', '#db2777', '#0891b2', '#65a30d', '#dc2626'];
const HEIGHT = 190;

function baseOptions(title: string, width: number, unit: string, axisSize: number): uPlot.Options {
  return {
    title,
    width,
    height: HEIGHT,
    series: [{}],
    scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, niceMax(max)] } },
    axes: [
      { stroke: '#64748b', grid: { stroke: '#eef2f7' }, ticks: { stroke: '#e2e8f0' } },
      { stroke: '#64748b', grid: { stroke: '#eef2f7' }, ticks: { stroke: '#e2e8f0' }, size: axisSize, values: (_u, splits) => splits.map((v) => `${formatTick(v)}${unit}`) },
    ],
    legend: { live: true },
    cursor: { drag: { x: false, y: false } },
  };
}

function formatTick(v: number): string {
  return v >= 1000 ? `${(v / 1000).toFixed(v % 1000 === 0 ? 0 : 1)}k` : String(+v.toFixed(2));
}

/** Some headroom above the highest point, never a zero-height scale. */
function niceMax(max: number | null): number {
  if (max === null || !Number.isFinite(max) || max <= 0) return 1;
  return max * 1.15;
}

function line(label: string, stroke: string, width = 1.5, dash?: number[], unit = ''): uPlot.Series {
  return { label, stroke, width, dash, spanGaps: false, points: { show: false }, value: (_u, v) => (v === null ? '—' : `${+v.toFixed(v < 10 ? 2 : 1)}${unit}`) };
}

/** Unless the pointer is over the chart, the legend shows the latest values rather than dashes. */
function showLatest(chart: uPlot, points: number): void {
  if (points > 0 && (chart.cursor.left === undefined || chart.cursor.left < 0)) chart.setLegend({ idx: points - 1 });
}

export class ServiceCharts {
  private rate: uPlot | null = null;
  private latency: uPlot | null = null;
  private backendsKey = '';
  private readonly observer: ResizeObserver;

  constructor(
    private readonly rateBox: HTMLElement,
    private readonly latencyBox: HTMLElement,
  ) {
    this.observer = new ResizeObserver(() => this.resize());
    this.observer.observe(rateBox);
    this.observer.observe(latencyBox);
  }

  /** `labels`: address → what the legend calls the backend (its name when it has one) */
  update(series: ServiceSeries, labels: ReadonlyMap<string, string> = new Map()): void {
    const addresses = Object.keys(series.backends);
    const key = addresses.map((a) => `${a}=${labels.get(a) ?? a}`).join(',');
    if (this.rate === null || key !== this.backendsKey) {
      this.rate?.destroy();
      const options = baseOptions('Requests per second', this.width(this.rateBox), '', 52);
      options.series.push(line('total', '#334155', 2.5), ...addresses.map((a, i) => line(labels.get(a) ?? a, PALETTE[i % PALETTE.length]!)));
      this.rate = new uPlot(options, [[]], this.rateBox);
      this.backendsKey = key;
    }
    if (this.latency === null) {
      const options = baseOptions('Latency', this.width(this.latencyBox), ' ms', 76);
      options.series.push(line('p50', '#16a34a', 2, undefined, ' ms'), line('p95', '#d97706', 2, undefined, ' ms'), line('p99', '#dc2626', 2, [6, 4], ' ms'));
      this.latency = new uPlot(options, [[]], this.latencyBox);
    }
    this.rate.setData([series.time, series.rps, ...addresses.map((a) => series.backends[a]!)] as uPlot.AlignedData);
    this.latency.setData([series.time, series.p50, series.p95, series.p99] as uPlot.AlignedData);
    showLatest(this.rate, series.time.length);
    showLatest(this.latency, series.time.length);
  }

  destroy(): void {
    this.observer.disconnect();
    this.rate?.destroy();
    this.latency?.destroy();
  }

  private width(box: HTMLElement): number {
    return Math.max(240, Math.floor(box.clientWidth));
  }

  private resize(): void {
    this.rate?.setSize({ width: this.width(this.rateBox), height: HEIGHT });
    this.latency?.setSize({ width: this.width(this.latencyBox), height: HEIGHT });
  }
}
