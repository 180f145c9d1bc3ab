// `fulcrum simulate <scenario>` / `fulcrum simulate -c scenario.yaml`: run a scenario through the
// real balancing code on a simulated clock, print the table (or one JSON object) and write the charts.
import { formatConfigError } from '../config/errors.js';
import { builtInNames, builtInScenario } from '../simulate/builtin-scenarios.js';
import { writeRun } from '../simulate/output.js';
import { formatReport } from '../simulate/report.js';
import { runScenario } from '../simulate/run.js';
import { loadScenarioFile } from '../simulate/scenario-load.js';
import type { Scenario } from '../simulate/scenario-schema.js';

export interface SimulateOptions {
  config?: string | undefined;
  seed?: number | undefined;
  requests?: number | undefined;
  json?: boolean | undefined;
  /** where the charts, NAME.json and NAME.txt go; none: nothing is written */
  out?: string | undefined;
}

export interface SimulateOutput {
  out: (text: string) => void;
  err: (line: string) => void;
}

const consoleOutput: SimulateOutput = { out: (text) => process.stdout.write(text), err: (line) => console.error(line) };

/** Returns the exit code: 0 when the run happened (whatever its verdict), 1 for an unknown scenario or an invalid file. */
export async function simulateCommand(name: string | undefined, options: SimulateOptions, output: SimulateOutput = consoleOutput): Promise<number> {
  let scenario: Scenario | undefined;
  if (options.config !== undefined) {
    const loaded = await loadScenarioFile(options.config);
    if (!loaded.ok) {
      for (const error of loaded.errors) output.err(formatConfigError(error));
      output.err(`${options.config}: ${loaded.errors.length} error${loaded.errors.length === 1 ? '' : 's'}`);
      return 1;
    }
    scenario = loaded.scenario;
  } else if (name === undefined) {
    output.err(`fulcrum simulate: name a scenario (${builtInNames().join(', ')}) or give a file with -c`);
    return 1;
  } else {
    scenario = builtInScenario(name);
    if (scenario === undefined) {
      output.err(`fulcrum simulate: no built-in scenario '${name}' (there are: ${builtInNames().join(', ')})`);
      return 1;
    }
  }
  const run = runScenario(scenario, { seed: options.seed, requests: options.requests });
  output.out(options.json === true ? `${JSON.stringify(run.report)}\n` : formatReport(run.report));
  if (options.out !== undefined) {
    const files = await writeRun(run, options.out);
    for (const file of files) output.err(`wrote ${file}`);
  }
  return 0;
}
