// Writing a run next to where it was asked for: the report as text and JSON, and the charts.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatReport } from './report.js';
import type { ScenarioRun } from './run.js';
import { inflightSvg, latencyCdfSvg } from './svg-chart.js';

export interface Charts {
  latencyCdf: string;
  inflight: string;
}

export function chartsOf(run: ScenarioRun): Charts {
  const name = run.report.scenario;
  return {
    latencyCdf: latencyCdfSvg(`${name}: latency CDF`, run.figures),
    inflight: inflightSvg(`${name}: in-flight requests per server over time`, run.figures),
  };
}

/** Writes NAME-latency.svg, NAME-inflight.svg, NAME.json and NAME.txt into `dir`; returns the paths. */
export async function writeRun(run: ScenarioRun, dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const name = run.report.scenario;
  const charts = chartsOf(run);
  const files: Array<[string, string]> = [
    [`${name}-latency.svg`, charts.latencyCdf],
    [`${name}-inflight.svg`, charts.inflight],
    [`${name}.json`, `${JSON.stringify(run.report, null, 2)}\n`],
    [`${name}.txt`, formatReport(run.report)],
  ];
  const paths: string[] = [];
  for (const [file, text] of files) {
    const path = join(dir, file);
    await writeFile(path, text);
    paths.push(path);
  }
  return paths;
}
