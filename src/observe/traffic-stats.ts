import type { Backend } from '../pool/backend.js';

/** Upper bounds (seconds) of the request duration histogram. */
export const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;
const BUCKET_MS = DURATION_BUCKETS.map((s) => s * 1000);

/**
 * Counters of one (listener, route, service, backend) series. The data path only adds
 * numbers here; formatting happens when /metrics is scraped.
 */
export class RequestCounters {
  /** responses by status class: index 1..5 for 1xx..5xx, 0 for "no response" */
  readonly byClass = new Float64Array(6);
  /** cumulative later: per-bucket counts, the last slot is +Inf */
  readonly buckets = new Float64Array(DURATION_BUCKETS.length + 1);
  durationSum = 0;
  bytesIn = 0;
  bytesOut = 0;

  constructor(readonly backend: Backend | null) {}

  get count(): number {
    let n = 0;
    for (let i = 0; i < this.byClass.length; i++) n += this.byClass[i]!;
    return n;
  }

  record(status: number, durationMs: number, bytesIn: number, bytesOut: number): void {
    const statusClass = status >= 100 && status < 600 ? (status / 100) | 0 : 0;
    this.byClass[statusClass]!++;
    let b = 0;
    while (b < BUCKET_MS.length && durationMs > BUCKET_MS[b]!) b++;
    this.buckets[b]!++;
    this.durationSum += durationMs / 1000;
    this.bytesIn += bytesIn;
    this.bytesOut += bytesOut;
  }
}

/** All series of one route: one RequestCounters per backend it sent to (null: answered by Fulcrum). */
export class RouteStats {
  readonly byBackend = new Map<Backend | null, RequestCounters>();
  /** requests refused by a rate limit on this route */
  rateLimited = 0;

  constructor(
    readonly listener: string,
    /** the route's `name` when it has one, else its index in the listener's routes ("0", "1", ...) */
    readonly route: string,
    readonly service: string,
  ) {}

  counters(backend: Backend | null): RequestCounters {
    let counters = this.byBackend.get(backend);
    if (counters === undefined) {
      counters = new RequestCounters(backend);
      this.byBackend.set(backend, counters);
    }
    return counters;
  }
}

/** Per listener: connections now and ever, refusals. */
export class ListenerStats {
  active = 0;
  accepted = 0;
  refused = 0;
  constructor(readonly listener: string) {}
}

/** Per service: retries and requests answered 503 because no backend was available. */
export class ServiceStats {
  retries = 0;
  noBackend = 0;
  constructor(readonly service: string) {}
}

/**
 * Every stats object, kept by label so that a config reload continues the same series
 * (Prometheus counters must not go backwards while the process lives).
 */
export class TrafficStatsRegistry {
  readonly routes = new Map<string, RouteStats>();
  readonly listeners = new Map<string, ListenerStats>();
  readonly services = new Map<string, ServiceStats>();

  route(listener: string, route: string, service: string): RouteStats {
    const key = listener + '\u0000' + route + '\u0000' + service;
    let stats = this.routes.get(key);
    if (stats === undefined) {
      stats = new RouteStats(listener, route, service);
      this.routes.set(key, stats);
    }
    return stats;
  }

  listener(name: string): ListenerStats {
    let stats = this.listeners.get(name);
    if (stats === undefined) this.listeners.set(name, (stats = new ListenerStats(name)));
    return stats;
  }

  service(name: string): ServiceStats {
    let stats = this.services.get(name);
    if (stats === undefined) this.services.set(name, (stats = new ServiceStats(name)));
    return stats;
  }
}
