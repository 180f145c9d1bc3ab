// How numbers read on the page.

export const DASH = '—';

export function rate(rps: number | undefined): string {
  if (rps === undefined) return DASH;
  return rps >= 100 ? rps.toFixed(0) : rps.toFixed(1);
}

export function percent(ratio: number | null | undefined): string {
  if (ratio === null || ratio === undefined) return DASH;
  if (ratio === 0) return '0%';
  return ratio < 0.001 ? '<0.1%' : `${(ratio * 100).toFixed(ratio < 0.1 ? 1 : 0)}%`;
}

export function ms(value: number | null | undefined): string {
  if (value === null || value === undefined) return DASH;
  if (value < 1) return `${value.toFixed(2)} ms`;
  if (value < 10) return `${value.toFixed(1)} ms`;
  if (value < 10_000) return `${Math.round(value)} ms`;
  return `${(value / 1000).toFixed(1)} s`;
}

export function weight(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}

export function clock(iso: string): string {
  return new Date(iso).toLocaleTimeString();
}
