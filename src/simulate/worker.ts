// Runs a built-in scenario off the main thread, for the admin API: the admin server shares its event
// loop with the data path, which must not stall for the second a run takes.
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { builtInScenario } from './builtin-scenarios.js';
import { type Charts, chartsOf } from './output.js';
import type { ScenarioReport } from './report.js';
import { runScenario } from './run.js';

export interface WorkerRequest {
  scenario: string;
  seed?: number | undefined;
  requests?: number | undefined;
}

export interface WorkerAnswer {
  report: ScenarioReport;
  charts: Charts;
}

/** Runs one built-in scenario in a fresh worker thread; rejects if the worker fails. */
export function runInWorker(request: WorkerRequest): Promise<WorkerAnswer> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: request });
    worker.once('message', (answer: WorkerAnswer) => resolve(answer));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`the simulation worker exited with code ${code}`));
    });
  });
}

if (!isMainThread && parentPort !== null) {
  const request = workerData as WorkerRequest;
  const scenario = builtInScenario(request.scenario);
  if (scenario === undefined) throw new Error(`no built-in scenario '${request.scenario}'`);
  const run = runScenario(scenario, { seed: request.seed, requests: request.requests });
  const answer: WorkerAnswer = { report: run.report, charts: chartsOf(run) };
  parentPort.postMessage(answer);
}
