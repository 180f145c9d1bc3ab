// The built-in scenarios: each settles one claim of the seed texts, quoted in `claim`, with the
// rule (`expect`) that decides from the run's figures whether the run supports it.
import { validateScenario } from './scenario-load.js';
import type { Scenario, ScenarioInput } from './scenario-schema.js';

const BUILT_IN: ScenarioInput[] = [
  {
    name: 'variable-cost',
    claim: 'It distributes requests evenly but not load.',
    source: 'on round-robin, seed 002',
    description: '10 equal servers (4 workers each), 95% of requests cost 10 ms and 5% cost 2 s, at 70% of capacity.',
    servers: [{ name: 's', count: 10, concurrency: 4 }],
    arrivals: { type: 'poisson', rate: 256 },
    cost: { type: 'bimodal', fast: '10ms', slow: '2s', slowShare: 0.05 },
    requests: 200_000,
    algorithms: ['round-robin', 'least-connections', 'power-of-two', 'random'],
    expect: [
      { metric: 'requestSpread', of: 'round-robin', below: 1.01 },
      { metric: 'loadImbalance', of: 'round-robin', above: 'least-connections', times: 1.25 },
      { metric: 'p95', of: 'round-robin', above: 'least-connections', times: 2 },
    ],
  },
  {
    name: 'slow-server',
    claim: 'This adapts to reality: if S1 finishes fast, it gets more traffic. If S3 is stuck on a slow query, it gets less.',
    source: 'on least connections, seed 002',
    description: '5 equal servers (8 workers each), exponential 20 ms requests at 60% of capacity; after 20 s s-3 becomes 10 times slower.',
    servers: [{ name: 's', count: 5, concurrency: 8 }],
    arrivals: { type: 'poisson', rate: 1200 },
    cost: { type: 'exponential', mean: '20ms' },
    requests: 120_000,
    events: [{ at: '20s', action: 'slow', server: 's-3', speed: 0.1 }],
    window: '60s',
    algorithms: ['round-robin', 'least-connections', 'least-response-time'],
    expect: [
      { metric: 'targetShare', of: 'least-connections', below: 0.5 },
      { metric: 'targetShare', of: 'round-robin', above: 0.9 },
      { metric: 'p99', of: 'least-connections', below: 'round-robin', times: 0.5 },
    ],
  },
  {
    name: 'mixed-fleet',
    claim: 'Weighted routing assigns proportional traffic based on server capacity.',
    source: 'seed 002',
    description: 'Servers of speed 4, 2, 1, 1 (weights to match, 4 workers each), exponential 20 ms requests at 70% of the total capacity.',
    servers: [
      { name: 'big', speed: 4, weight: 4, concurrency: 4 },
      { name: 'medium', speed: 2, weight: 2, concurrency: 4 },
      { name: 'small-1', speed: 1, weight: 1, concurrency: 4 },
      { name: 'small-2', speed: 1, weight: 1, concurrency: 4 },
    ],
    arrivals: { type: 'poisson', rate: 1120 },
    cost: { type: 'exponential', mean: '20ms' },
    requests: 100_000,
    algorithms: ['round-robin', 'weighted-round-robin'],
    expect: [
      { metric: 'p99', of: 'weighted-round-robin', below: 'round-robin', times: 0.2 },
      { metric: 'requestSpread', of: 'weighted-round-robin', above: 3.9 },
      { metric: 'requestSpread', of: 'weighted-round-robin', below: 4.1 },
    ],
  },
  {
    name: 'herd',
    claim: 'Pick two random servers, then route to the one with fewer active connections. Surprisingly, this simple algorithm achieves near-optimal load distribution with O(1) overhead.',
    source: 'on power of two choices, seed 000 (here with 10 balancers that see each other\u2019s load only every 100 ms)',
    description:
      '10 balancers in front of 10 servers (4 workers each); each balancer knows its own requests at once and the others\u2019 only every 100 ms. Exponential 20 ms requests at 80% of capacity.',
    servers: [{ name: 's', count: 10, concurrency: 4 }],
    arrivals: { type: 'poisson', rate: 1600 },
    cost: { type: 'exponential', mean: '20ms' },
    balancers: { count: 10, viewRefresh: '100ms' },
    requests: 200_000,
    algorithms: ['least-connections', 'power-of-two', 'random'],
    expect: [
      { metric: 'p99', of: 'power-of-two', below: 'least-connections', times: 0.5 },
      { metric: 'p99', of: 'power-of-two', below: 'random' },
    ],
  },
  {
    name: 'join-no-slow-start',
    claim: 'Gotcha: New servers get flooded initially (0 connections initially).',
    source: 'on least connections, seed 003',
    description: '10 servers hold long sessions (exponential, mean 20 s; 500 new per second, ~1000 open on each); an 11th joins at 60 s.',
    servers: [{ name: 's', count: 10, concurrency: 100_000 }],
    arrivals: { type: 'poisson', rate: 500 },
    cost: { type: 'exponential', mean: '20s' },
    requests: 60_000,
    events: [{ at: '60s', action: 'join', server: { name: 'new', concurrency: 100_000 } }],
    window: '2s',
    algorithms: ['least-connections', 'round-robin'],
    expect: [
      { metric: 'targetShare', of: 'least-connections', above: 5 },
      { metric: 'targetShare', of: 'round-robin', below: 1.5 },
    ],
  },
  {
    name: 'join-slow-start',
    claim: 'Gotcha: New servers get flooded initially (0 connections initially).',
    source: 'on least connections, seed 003; slow start is the cure this run tests',
    description: 'As join-no-slow-start, with slowStart: 30s: the new server\u2019s weight ramps from 10% to 100% over 30 s.',
    servers: [{ name: 's', count: 10, concurrency: 100_000 }],
    arrivals: { type: 'poisson', rate: 500 },
    cost: { type: 'exponential', mean: '20s' },
    requests: 60_000,
    events: [{ at: '60s', action: 'join', server: { name: 'new', concurrency: 100_000 } }],
    window: '2s',
    algorithms: ['least-connections', { algorithm: 'least-connections', slowStart: '30s' }],
    expect: [
      { metric: 'targetShare', of: 'least-connections +slow-start', below: 2 },
      { metric: 'targetShare', of: 'least-connections', above: 'least-connections +slow-start', times: 3 },
    ],
  },
  {
    name: 'hash-remap',
    claim: 'Add a new cache server \u2014 only ~1/N keys remap',
    source: 'on consistent hashing, seed 000',
    description: '10 cache servers, 10,000 client keys; an 11th server joins at 10 s. Remapped: the share of keys whose server changed.',
    servers: [{ name: 'cache', count: 10, concurrency: 64 }],
    arrivals: { type: 'poisson', rate: 2000 },
    cost: { type: 'exponential', mean: '5ms' },
    keys: 10_000,
    requests: 40_000,
    events: [{ at: '10s', action: 'join', server: { name: 'cache-new', concurrency: 64 } }],
    algorithms: ['ip-hash', 'consistent-hash', 'maglev'],
    expect: [
      { metric: 'remapped', of: 'consistent-hash', below: 0.1364 },
      { metric: 'remapped', of: 'consistent-hash', above: 0.0455 },
      { metric: 'remapped', of: 'maglev', below: 0.1364 },
      { metric: 'remapped', of: 'ip-hash', above: 'consistent-hash', times: 3 },
    ],
  },
  {
    name: 'server-dies',
    claim: 'Health checks remove unhealthy servers from rotation.',
    source: 'seed 002',
    description: '5 servers, exponential 20 ms requests at 50% of capacity; s-2 dies at 10 s (refusing connections) and recovers at 40 s.',
    servers: [{ name: 's', count: 5, concurrency: 8 }],
    arrivals: { type: 'poisson', rate: 1000 },
    cost: { type: 'exponential', mean: '20ms' },
    requests: 60_000,
    events: [
      { at: '10s', action: 'die', server: 's-2' },
      { at: '40s', action: 'recover', server: 's-2' },
    ],
    algorithms: [
      'round-robin',
      { algorithm: 'round-robin', healthCheck: { interval: '1s', unhealthyThreshold: 3, healthyThreshold: 2 } },
      { algorithm: 'round-robin', passiveHealth: { maxFails: 3, failTimeout: '5s' } },
      'least-connections',
      { algorithm: 'least-connections', passiveHealth: { maxFails: 3, failTimeout: '5s' } },
    ],
    expect: [
      { metric: 'errors', of: 'round-robin +health-check', below: 'round-robin', times: 0.2 },
      { metric: 'errors', of: 'round-robin +passive', below: 'round-robin', times: 0.2 },
      { metric: 'errors', of: 'least-connections +passive', below: 'least-connections', times: 0.2 },
    ],
  },
];

const scenarios = new Map<string, Scenario>();
for (const input of BUILT_IN) {
  const result = validateScenario(input);
  if (!result.ok) throw new Error(`built-in scenario ${input.name}: ${result.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  scenarios.set(input.name, result.scenario);
}

export function builtInScenario(name: string): Scenario | undefined {
  return scenarios.get(name);
}

export function builtInNames(): string[] {
  return [...scenarios.keys()];
}
