// The JSON of GET /api/v1/events (src/admin/events.ts) and of the backend views (src/admin/views.ts), as the page reads it.

export interface LiveNumbers {
  rps: number;
  errorRate: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  windowRequests: number;
}

export interface BackendView {
  /** the config's name, or null */
  name: string | null;
  address: string;
  /** `config`, `admin` or `dns:NAME` (found by discovery) */
  source: string;
  weight: number;
  effectiveWeight: number;
  maxConnections: number;
  available: boolean;
  health: { healthy: boolean; status?: string; reason: string; since: string | null };
  ejected: boolean;
  ejections: number;
  draining: boolean;
  drain: { reason: string; phase: string; since: string; deadline: string } | null;
  activeConnections: number;
  inflightRequests: number;
  totalRequests: number;
  upstreamConnections: number;
  live?: LiveNumbers;
}

export type Points = (number | null)[];

export interface ServiceSeries {
  time: number[];
  rps: Points;
  errorRate: Points;
  p50: Points;
  p95: Points;
  p99: Points;
  backends: Record<string, Points>;
}

export interface ServiceSnapshot {
  name: string;
  algorithm: string;
  drainTimeoutMs: number;
  backends: BackendView[];
  removing: BackendView[];
  live: LiveNumbers;
  series: ServiceSeries;
}

export interface Snapshot {
  time: string;
  intervalMs: number;
  windowSeconds: number;
  services: ServiceSnapshot[];
}
