import { collectDefaultMetrics, Registry } from 'prom-client';
import type { Backend } from '../pool/backend.js';
import type { Service } from '../pool/service.js';
import type { StoreStatus } from '../state/state-store.js';
import { DURATION_BUCKETS, type RequestCounters, type TrafficStatsRegistry } from './traffic-stats.js';

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

// Process and Node.js runtime metrics come from prom-client, registered once per process.
let processRegistry: Registry | null = null;
function processMetrics(): Registry {
  if (processRegistry === null) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry, prefix: 'fulcrum_' });
  }
  return processRegistry;
}

/** Writes one metric family (HELP, TYPE, samples) into `out`. */
export class Family {
  private lines = '';
  constructor(
    private readonly name: string,
    private readonly type: 'counter' | 'gauge' | 'histogram',
    private readonly help: string,
  ) {}

  sample(labels: string, value: number, suffix = ''): void {
    this.lines += `${this.name}${suffix}{${labels}} ${formatNumber(value)}\n`;
  }

  render(): string {
    if (this.lines === '') return '';
    return `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} ${this.type}\n${this.lines}`;
  }
}

const CLASSES = ['none', '1xx', '2xx', '3xx', '4xx', '5xx'];

/**
 * The Prometheus text exposition of everything the data path counted, plus backend
 * state and process metrics. Built at scrape time from plain counters.
 */
export async function renderPrometheus(stats: TrafficStatsRegistry, services: Iterable<Service>, state?: StoreStatus): Promise<string> {
  const requests = new Family('fulcrum_requests_total', 'counter', 'HTTP requests answered, by status class');
  const duration = new Family('fulcrum_request_duration_seconds', 'histogram', 'Time from request head to the end of the response');
  const received = new Family('fulcrum_received_bytes_total', 'counter', 'Bytes received from clients');
  const sent = new Family('fulcrum_sent_bytes_total', 'counter', 'Bytes sent to clients');
  const rateLimited = new Family('fulcrum_rate_limited_requests_total', 'counter', 'Requests refused by a rate limit');
  for (const route of stats.routes.values()) {
    const routeLabels = `listener="${escapeLabel(route.listener)}",route="${escapeLabel(route.route)}",service="${escapeLabel(route.service)}"`;
    for (const counters of route.byBackend.values()) {
      const labels = `${routeLabels},${backendLabels(counters.backend)}`;
      for (let c = 0; c < CLASSES.length; c++) {
        if (counters.byClass[c]! > 0) requests.sample(`${labels},code="${CLASSES[c]}"`, counters.byClass[c]!);
      }
      renderHistogram(duration, labels, counters);
      received.sample(labels, counters.bytesIn);
      sent.sample(labels, counters.bytesOut);
    }
    if (route.rateLimited > 0) rateLimited.sample(routeLabels, route.rateLimited);
  }

  const connections = new Family('fulcrum_connections_active', 'gauge', 'Client connections open now (udp: sessions)');
  const accepted = new Family('fulcrum_connections_total', 'counter', 'Client connections accepted (udp: sessions started)');
  const refused = new Family('fulcrum_requests_refused_total', 'counter', 'Requests refused as malformed or over a limit');
  for (const listener of stats.listeners.values()) {
    const labels = `listener="${escapeLabel(listener.listener)}"`;
    connections.sample(labels, listener.active);
    accepted.sample(labels, listener.accepted);
    refused.sample(labels, listener.refused);
  }

  const retries = new Family('fulcrum_retries_total', 'counter', 'Requests sent again to another backend after a failure');
  const noBackend = new Family('fulcrum_no_backend_total', 'counter', 'Requests answered 503 because no backend was available');
  for (const service of stats.services.values()) {
    const labels = `service="${escapeLabel(service.service)}"`;
    retries.sample(labels, service.retries);
    noBackend.sample(labels, service.noBackend);
  }

  const up = new Family('fulcrum_backend_up', 'gauge', '1 when the backend passes its health checks and is not ejected');
  const weight = new Family('fulcrum_backend_weight', 'gauge', 'Configured weight');
  const effective = new Family('fulcrum_backend_effective_weight', 'gauge', 'Weight after slow start');
  const active = new Family('fulcrum_backend_active_connections', 'gauge', 'Connections to the backend in use now');
  const inflight = new Family('fulcrum_backend_inflight_requests', 'gauge', 'Requests sent to the backend and not yet answered');
  const draining = new Family('fulcrum_backend_draining', 'gauge', '1 while the backend drains');
  const ejections = new Family('fulcrum_backend_ejections_total', 'counter', 'Times passive health checking ejected the backend');
  const breakers = new BreakerFamilies();
  const serviceList = [...services];
  for (const service of serviceList) {
    breakers.sample(service);
    for (const backend of service.backends) {
      const labels = `service="${escapeLabel(service.name)}",${backendLabels(backend)}`;
      up.sample(labels, backend.healthy && !backend.ejected ? 1 : 0);
      weight.sample(labels, backend.weight);
      effective.sample(labels, backend.effectiveWeight());
      active.sample(labels, backend.active);
      inflight.sample(labels, backend.inflight);
      draining.sample(labels, backend.draining ? 1 : 0);
      ejections.sample(labels, backend.ejections);
    }
  }

  const resolutions = new Family('fulcrum_discovery_resolutions_total', 'counter', 'DNS resolutions of a service discovery, by result');
  const discovered = new Family('fulcrum_discovery_backends', 'gauge', 'Backends the service discovery gives now (the last good set while a hold lasts)');
  for (const service of serviceList) {
    const discovery = service.discovery;
    if (discovery === null) continue;
    const labels = `service="${escapeLabel(service.name)}",source="${escapeLabel(discovery.source)}"`;
    for (const [result, count] of discovery.resolutions) resolutions.sample(`${labels},result="${result}"`, count);
    discovered.sample(labels, discovery.records.length);
  }

  const families = [requests, duration, received, sent, rateLimited, connections, accepted, refused, retries, noBackend, resolutions, discovered];
  families.push(up, weight, effective, active, inflight, draining, ejections, breakers.state, breakers.trips, breakers.refused);
  if (state !== undefined) families.push(...stateFamilies(state));
  return families.map((f) => f.render()).join('') + (await processMetrics().metrics());
}

/** The StateStore (docs/shared-state.md): whether shared state is in use, and its failures. */
function stateFamilies(state: StoreStatus): Family[] {
  const up = new Family('fulcrum_state_store_up', 'gauge', '1 while the state store answers (always 1 in memory); 0 while answering from local state or refusing');
  const errors = new Family('fulcrum_state_store_errors_total', 'counter', 'State store calls that failed or timed out, and lost connections');
  const labels = `store="${state.store}"`;
  up.sample(labels, state.up ? 1 : 0);
  errors.sample(labels, state.errors);
  return [up, errors];
}

const BREAKER_STATE = { closed: 0, open: 1, 'half-open': 2 } as const;
const REFUSAL_REASONS = ['open', 'max-requests', 'max-pending', 'max-connections'] as const;

/** The circuit breakers of the services that have one (docs/websocket-sticky-circuit.md). */
class BreakerFamilies {
  readonly state = new Family('fulcrum_circuit_state', 'gauge', 'Circuit breaker state: 0 closed, 1 open, 2 half-open (as of the last request)');
  readonly trips = new Family('fulcrum_circuit_trips_total', 'counter', 'Times the circuit breaker opened');
  readonly refused = new Family('fulcrum_circuit_refused_total', 'counter', 'Requests the circuit breaker answered 503, by reason');

  sample(service: Service): void {
    const breaker = service.breaker;
    if (breaker === null) return;
    const labels = `service="${escapeLabel(service.name)}"`;
    this.state.sample(labels, BREAKER_STATE[breaker.stateName]);
    this.trips.sample(labels, breaker.trips);
    for (const reason of REFUSAL_REASONS) this.refused.sample(`${labels},reason="${reason}"`, breaker.refusedBy[reason]);
  }
}

function renderHistogram(family: Family, labels: string, counters: RequestCounters): void {
  let cumulative = 0;
  for (let b = 0; b < DURATION_BUCKETS.length; b++) {
    cumulative += counters.buckets[b]!;
    family.sample(`${labels},le="${DURATION_BUCKETS[b]}"`, cumulative, '_bucket');
  }
  cumulative += counters.buckets[DURATION_BUCKETS.length]!;
  family.sample(`${labels},le="+Inf"`, cumulative, '_bucket');
  family.sample(labels, counters.durationSum, '_sum');
  family.sample(labels, cumulative, '_count');
}

/** A backend is labelled by its address, and by its config `name` ("" when it has none, or when Fulcrum answered itself). */
function backendLabels(backend: Backend | null): string {
  return `backend="${escapeLabel(backend?.id ?? '')}",name="${escapeLabel(backend?.name ?? '')}"`;
}

export function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function formatNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  return String(n);
}
