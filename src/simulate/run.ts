// One scenario, every variant: the same seed for each (so they see the same arrivals and costs),
// the figures, the verdict and the report.
import { type RunFigures, simulate } from './engine.js';
import { metricValues, type ScenarioReport, variantResult } from './report.js';
import { variantsOf } from './scenario-load.js';
import { expandNames, type Scenario, variantLabel } from './scenario-schema.js';
import { judge, type MetricValues } from './verdict.js';

export interface ScenarioRun {
  report: ScenarioReport;
  figures: RunFigures[];
}

export interface ScenarioOptions {
  seed?: number | undefined;
  requests?: number | undefined;
}

export function runScenario(scenario: Scenario, options: ScenarioOptions = {}): ScenarioRun {
  const seed = options.seed ?? scenario.seed;
  const requests = options.requests ?? scenario.requests;
  const startServers = new Set(scenario.servers.flatMap((s) => expandNames(s.name, s.count)));
  const figures = variantsOf(scenario).map((variant) => simulate(scenario, variant, variantLabel(variant), { seed, requests }));
  const results = figures.map((f) => variantResult(f, startServers));
  const metrics = new Map<string, MetricValues>(results.map((v) => [v.label, metricValues(v)]));
  const verdict = judge(scenario.expect, metrics);
  return {
    report: {
      scenario: scenario.name,
      claim: scenario.claim,
      source: scenario.source,
      description: scenario.description,
      seed,
      requests,
      supported: verdict.supported,
      rule: verdict.rule,
      checks: verdict.checks,
      results,
    },
    figures,
  };
}
