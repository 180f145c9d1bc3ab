// The dashboard's simulation page: list the built-in scenarios, run one in a worker thread with a
// bounded number of requests (one run at a time), answer with its report and its SVG charts.
import { builtInNames, builtInScenario } from '../simulate/builtin-scenarios.js';
import { runInWorker, type WorkerAnswer } from '../simulate/worker.js';
import { AdminError, onlyFields } from './json.js';

/** Requests per algorithm a run from the admin API may ask for: a few seconds of CPU at most. */
export const MAX_ADMIN_REQUESTS = 200_000;

let running = false;

export function simulateList(): { scenarios: Array<{ name: string; claim: string; source: string; description: string; requests: number }>; maxRequests: number } {
  return {
    scenarios: builtInNames().map((name) => {
      const s = builtInScenario(name)!;
      return { name, claim: s.claim, source: s.source, description: s.description, requests: Math.min(s.requests, MAX_ADMIN_REQUESTS) };
    }),
    maxRequests: MAX_ADMIN_REQUESTS,
  };
}

export async function simulateRun(name: string, body: Record<string, unknown>): Promise<WorkerAnswer> {
  const scenario = builtInScenario(name);
  if (scenario === undefined) throw new AdminError(404, `no built-in scenario '${name}' (there are: ${builtInNames().join(', ')})`);
  onlyFields(body, ['seed', 'requests']);
  const seed = wholeField(body.seed, 'seed', 0xffffffff);
  const requests = wholeField(body.requests, 'requests', MAX_ADMIN_REQUESTS) ?? Math.min(scenario.requests, MAX_ADMIN_REQUESTS);
  if (requests < 1) throw new AdminError(400, 'requests: expected at least 1');
  if (running) throw new AdminError(409, 'a simulation is already running; try again when it has finished');
  running = true;
  try {
    return await runInWorker({ scenario: name, seed, requests });
  } finally {
    running = false;
  }
}

function wholeField(value: unknown, name: string, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max)
    throw new AdminError(400, `${name}: expected a whole number 0..${max}, got ${JSON.stringify(value)}`);
  return value;
}
