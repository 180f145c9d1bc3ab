// A service's backends from one DNS name, kept fresh: resolved at start, then again after
// min(TTL, refresh) (never sooner than MIN_INTERVAL_MS). A failed resolution keeps the last good
// set for a while (HAProxy's `hold`): until hold.error after the last good answer for SERVFAIL,
// refused or a timeout, hold.nx for NXDOMAIN or an empty answer; then the set is emptied. Nothing here runs on the request path.
import type { Resolver } from 'node:dns/promises';
import type { DnsDiscoveryConfig } from '../config/types.js';
import type { Logger } from '../observe/logger.js';
import { createResolver, type DiscoveredRecord, failureKind, type Resolution, type ResolutionResult, resolveOnce } from './dns-resolve.js';

/** A TTL of 0 (or a very short one) does not make us ask more often than this. */
export const MIN_INTERVAL_MS = 1_000;

/** After a good answer: its TTL (seconds) bounded by refresh, never below MIN_INTERVAL_MS; refresh without a TTL. */
export function nextResolutionIn(ttl: number | undefined, refreshMs: number): number {
  const ttlMs = ttl === undefined ? refreshMs : ttl * 1000;
  return Math.max(MIN_INTERVAL_MS, Math.min(ttlMs, refreshMs));
}

export type DiscoveryListener = (records: readonly DiscoveredRecord[]) => void;

export class DnsDiscovery {
  /** `dns:NAME`: the source shown beside the backends it found */
  readonly source: string;
  /** the set in effect (the last good one, while a hold lasts) */
  records: readonly DiscoveredRecord[] = [];
  /** resolutions by result, for fulcrum_discovery_resolutions_total */
  readonly resolutions = new Map<ResolutionResult, number>();
  /** when resolutions started failing (ms epoch); 0 while they succeed */
  failingSince = 0;
  lastResult: ResolutionResult | null = null;
  private readonly resolver: Resolver;
  private timer: NodeJS.Timeout | null = null;
  /** empties the set when a hold ends */
  private holdTimer: NodeJS.Timeout | null = null;
  /** when the last good answer came (ms epoch; the start, for a set carried from earlier settings) */
  lastGoodAt = Date.now();
  private stopped = false;
  private failures = 0;
  private readonly first: Promise<void>;
  private settleFirst: () => void = () => {};

  constructor(
    readonly config: DnsDiscoveryConfig,
    private readonly serviceName: string,
    private readonly logger: Logger,
    private readonly onChange: DiscoveryListener,
    /** one resolution; tests script it */
    private readonly resolve: (resolver: Resolver, config: DnsDiscoveryConfig) => Promise<Resolution> = resolveOnce,
  ) {
    this.source = `dns:${config.name}`;
    this.resolver = createResolver(config);
    this.first = new Promise((settle) => (this.settleFirst = settle));
  }

  /** Resolves now, then on its own schedule; the promise settles after the first resolution. */
  start(records: readonly DiscoveredRecord[] = []): Promise<void> {
    this.records = records;
    this.lastGoodAt = Date.now();
    void this.run();
    return this.first;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.clearHold();
    this.resolver.cancel();
    this.settleFirst();
  }

  private async run(): Promise<void> {
    this.timer = null;
    const resolution = await this.resolve(this.resolver, this.config);
    if (this.stopped) return;
    this.resolutions.set(resolution.result, (this.resolutions.get(resolution.result) ?? 0) + 1);
    this.lastResult = resolution.result;
    const wait = resolution.result === 'ok' ? this.succeeded(resolution.records, resolution.ttl) : this.failed(resolution.result, resolution.reason);
    this.settleFirst();
    this.timer = setTimeout(() => void this.run(), wait).unref();
  }

  /** The answer replaces the set; the next resolution comes after min(ttl, refresh). */
  private succeeded(records: DiscoveredRecord[], ttl: number | undefined): number {
    if (this.failingSince !== 0) this.logger.info({ serviceName: this.serviceName, source: this.source, failedForMs: Date.now() - this.failingSince }, 'discovery resolves again');
    this.failingSince = 0;
    this.failures = 0;
    this.lastGoodAt = Date.now();
    this.clearHold();
    this.replace(sorted(records));
    return nextResolutionIn(ttl, this.config.refresh);
  }

  /**
   * The set is kept while a good answer came within the hold of this failure's kind (HAProxy's
   * `hold`, counted from the last valid answer), then emptied by a timer of its own, so a slow
   * failure (a timeout) does not stretch it. Tries again sooner: 1 s, 2 s, 4 s... up to refresh.
   */
  private failed(result: Exclude<ResolutionResult, 'ok'>, reason: string): number {
    const now = Date.now();
    const kind = failureKind(result);
    const hold = this.config.hold[kind];
    const fields = { serviceName: this.serviceName, source: this.source, result, reason };
    if (this.failingSince === 0) {
      this.failingSince = now;
      if (this.records.length === 0) this.logger.warn(fields, 'discovery: the name does not resolve; the service has no backends from it until it does');
      else this.logger.warn({ ...fields, backends: this.records.length, holdMs: hold }, `discovery failed: keeping the last ${this.records.length} backends for hold.${kind}`);
    }
    this.clearHold();
    if (this.records.length > 0) {
      const left = this.lastGoodAt + hold - now;
      const expire = (): void => {
        this.holdTimer = null;
        if (this.stopped || this.records.length === 0) return;
        this.logger.error({ ...fields, sinceLastAnswerMs: Date.now() - this.lastGoodAt }, `discovery: hold.${kind} is over; the backends found by DNS are removed`);
        this.replace([]);
      };
      if (left <= 0) expire();
      else this.holdTimer = setTimeout(expire, left).unref();
    }
    this.failures++;
    return Math.min(this.config.refresh, MIN_INTERVAL_MS * 2 ** Math.min(this.failures - 1, 16));
  }

  private clearHold(): void {
    if (this.holdTimer !== null) clearTimeout(this.holdTimer);
    this.holdTimer = null;
  }

  private replace(records: readonly DiscoveredRecord[]): void {
    const change = describeChange(this.records, records);
    if (change === null) return;
    this.records = records;
    this.logger.info({ serviceName: this.serviceName, source: this.source, ...change, backends: records.length }, 'discovery: backends changed');
    this.onChange(records);
  }
}

const key = (r: DiscoveredRecord): string => `${r.host.includes(':') ? `[${r.host}]` : r.host}:${r.port}`;

function sorted(records: DiscoveredRecord[]): DiscoveredRecord[] {
  const unique = new Map(records.map((r) => [key(r), r]));
  return [...unique.values()].sort((a, b) => (key(a) < key(b) ? -1 : 1));
}

/** What changed between two sets, or null when nothing did. */
export function describeChange(before: readonly DiscoveredRecord[], after: readonly DiscoveredRecord[]): { added: string[]; removed: string[]; reweighted: string[] } | null {
  const old = new Map(before.map((r) => [key(r), r]));
  const now = new Map(after.map((r) => [key(r), r]));
  const added = [...now.keys()].filter((k) => !old.has(k));
  const removed = [...old.keys()].filter((k) => !now.has(k));
  const reweighted = [...now].filter(([k, r]) => old.has(k) && old.get(k)!.weight !== r.weight).map(([k, r]) => `${k} ${old.get(k)!.weight} → ${r.weight}`);
  return added.length + removed.length + reweighted.length === 0 ? null : { added, removed, reweighted };
}
