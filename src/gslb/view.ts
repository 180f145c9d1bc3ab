// The GSLB as the admin API shows it (GET /api/v1/gslb) and /metrics counts it.
import { escapeLabel, Family } from '../observe/prometheus.js';
import type { Gslb } from './gslb.js';

export function gslbView(gslb: Gslb): Record<string, unknown> {
  const { config } = gslb;
  const panic = new Set(gslb.panicNames());
  return {
    zone: config.zone,
    listen: `${gslb.address.host}:${gslb.address.port}`,
    ttlSeconds: Math.round(config.ttl / 1000),
    fallback: config.fallback,
    regions: gslb.regionStates().map((state) => {
      const region = config.regions[state.name]!;
      return { ...state, since: new Date(state.since).toISOString(), answer: region.answer, clients: region.clients, weight: region.weight, capacity: region.capacity ?? null };
    }),
    names: Object.entries(config.names).map(([name, spec]) => ({
      name: name === '@' ? config.zone : `${name}.${config.zone}`,
      policy: spec.policy,
      regions: spec.regions,
      ...(spec.policy === 'weighted' && { weightBy: spec.weightBy }),
      ttlSeconds: Math.round(spec.ttl / 1000),
      panic: panic.has(name),
      /** what a client no range holds gets now (weighted: one draw) */
      answerNow: gslb.preview(name, null),
      /** geo: the regions the clients of each region get now (their own while it is up) */
      ...(spec.policy === 'geo' && { clientsGo: gslb.clientRoutes(name) }),
      answers: Object.fromEntries(gslb.counters.answers.get(name) ?? []),
      panicAnswers: gslb.counters.panicAnswers.get(name) ?? 0,
    })),
    panic: [...panic],
  };
}

export function gslbMetrics(gslb: Gslb): string {
  const up = new Family('fulcrum_gslb_region_up', 'gauge', '1 while the GSLB region is answered (its check passes, or it has none)');
  for (const state of gslb.regionStates()) up.sample(`region="${escapeLabel(state.name)}"`, state.up ? 1 : 0);
  const answers = new Family('fulcrum_gslb_answers_total', 'counter', 'Address lookups PowerDNS made, by name and the region answered');
  for (const [name, byRegion] of gslb.counters.answers) {
    for (const [region, n] of byRegion) answers.sample(`name="${escapeLabel(name)}",region="${escapeLabel(region)}"`, n);
  }
  const panic = new Family('fulcrum_gslb_panic', 'gauge', '1 while every region of the name is down and all of them are answered');
  const inPanic = new Set(gslb.panicNames());
  for (const name of Object.keys(gslb.config.names)) panic.sample(`name="${escapeLabel(name)}"`, inPanic.has(name) ? 1 : 0);
  const panicAnswers = new Family('fulcrum_gslb_panic_answers_total', 'counter', 'Answers given in panic (every region down)');
  for (const [name, n] of gslb.counters.panicAnswers) panicAnswers.sample(`name="${escapeLabel(name)}"`, n);
  return up.render() + answers.render() + panic.render() + panicAnswers.render();
}
