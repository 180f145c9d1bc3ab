import type { Backend } from '../pool/backend.js';

/** The response header backends use to report their load, 0..1 (or a percentage). */
export const LOAD_HEADER = 'x-backend-load';
export const DEFAULT_LOAD_REPORT_TTL_MS = 10_000;
/** a fully loaded backend keeps this share of its weight, so it still gets probed */
export const LOAD_WEIGHT_FLOOR = 0.05;

const NUMBER = /^\s*(\d+(?:\.\d*)?|\.\d+)\s*(%?)\s*$/;

/** "0.7" or "70%" → 0.7, clamped to 0..1; undefined for anything else. */
export function parseLoadHeader(value: string): number | undefined {
  const match = NUMBER.exec(value);
  if (!match) return undefined;
  let load = Number(match[1]);
  if (match[2] === '%') load /= 100;
  if (!Number.isFinite(load)) return undefined;
  return load < 0 ? 0 : load > 1 ? 1 : load;
}

/** Store a load report on the backend (the HTTP layer or an agent probe calls this). `now` is performance.now() ms. */
export function recordLoadReport(backend: Backend, load: number, now: number): void {
  if (Number.isNaN(load)) return;
  backend.reportedLoad = load < 0 ? 0 : load > 1 ? 1 : load;
  backend.reportedAt = now;
}

/** effectiveWeight × headroom (1 − load, at least the floor) while the report is fresh, else effectiveWeight. */
export function loadAdjustedWeight(backend: Backend, now: number, ttlMs: number): number {
  const weight = backend.effectiveWeight();
  const load = backend.reportedLoad;
  if (Number.isNaN(load) || now - backend.reportedAt > ttlMs) return weight;
  const headroom = 1 - load;
  return weight * (headroom > LOAD_WEIGHT_FLOOR ? headroom : LOAD_WEIGHT_FLOOR);
}
