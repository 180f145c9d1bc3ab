// Simulated requests per second of wall time, 10 servers, one balancer per algorithm; and memory
// after a 10M-request run. Run: node dist/bench/simulate.js [requests] (default 2,000,000).
import { simulate } from '../src/simulate/engine.js';
import { validateScenario, variantsOf } from '../src/simulate/scenario-load.js';
import type { ScenarioInput } from '../src/simulate/scenario-schema.js';

const requests = Number(process.argv[2] ?? 2_000_000);
const algorithms = (process.argv[3] ?? 'round-robin,weighted-round-robin,least-connections,power-of-two,random,consistent-hash,maglev').split(',');

function scenario(algorithm: string): ScenarioInput {
  return {
    name: 'bench',
    servers: [{ name: 's', count: 10, concurrency: 4 }],
    arrivals: { type: 'poisson', rate: 1600 },
    cost: { type: 'exponential', mean: '20ms' },
    requests,
    algorithms: [algorithm as 'round-robin'],
  };
}

const mb = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MB`;
console.log(`${requests} requests per run, 10 servers at 80% load (a shared machine: expect ±30%)`);
for (const algorithm of algorithms) {
  const parsed = validateScenario(scenario(algorithm));
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  const variant = variantsOf(parsed.scenario)[0]!;
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const figures = simulate(parsed.scenario, variant, algorithm, { seed: 1, requests });
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const memory = process.memoryUsage();
  console.log(
    `${algorithm.padEnd(22)} ${(requests / seconds / 1e6).toFixed(2).padStart(6)} M req/s wall, ${(requests / cpuSeconds / 1e6).toFixed(2).padStart(5)} M per CPU-second  (${seconds.toFixed(2)} s, p99 ${figures.latency.quantile(0.99).toFixed(1)} ms)  rss ${mb(memory.rss)} heap ${mb(memory.heapUsed)}`,
  );
}
