// The simulation page: pick a built-in scenario, run it on the admin server, show the claim, the
// verdict, the table and the SVG charts (as images from data: URLs, so no markup is injected).
import './style.css';
import './simulate.css';
import { getToken, takeTokenFromHash } from './api.js';

interface ScenarioInfo {
  name: string;
  claim: string;
  source: string;
  description: string;
  requests: number;
}

interface VariantResult {
  label: string;
  requests: number;
  errors: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number; mean: number };
  peakInflight: number;
  loadImbalance: number;
  requestSpread: number | null;
  targetShare: number | null;
  remapped: number | null;
}

interface RunAnswer {
  report: { scenario: string; claim: string; source: string; supported: boolean; rule: string; checks: Array<{ rule: string; holds: boolean; observed: string }>; results: VariantResult[] };
  charts: { latencyCdf: string; inflight: string };
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

function authHeaders(): Record<string, string> {
  const token = getToken();
  return token === null ? { 'content-type': 'application/json' } : { 'content-type': 'application/json', authorization: `Bearer ${token}` };
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, { method, headers: authHeaders(), body: body === undefined ? undefined : JSON.stringify(body) });
  const json = (await res.json().catch(() => ({}))) as T & { error?: string };
  if (!res.ok) throw new Error(json.error ?? `${res.status} ${res.statusText}`);
  return json;
}

function svgUrl(svg: string): string {
  return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
}

function cell(row: HTMLTableRowElement, text: string, header = false): void {
  const el = document.createElement(header ? 'th' : 'td');
  el.textContent = text;
  row.append(el);
}

const show = (x: number | null) => (x === null ? '–' : String(x));

function render(answer: RunAnswer): void {
  const { report, charts } = answer;
  $('sim-claim').textContent = `“${report.claim}” — ${report.source}`;
  const verdict = $('sim-verdict');
  verdict.dataset.supported = String(report.supported);
  verdict.textContent = report.supported ? 'Supported by this run' : 'Not supported by this run';
  const checks = $('sim-checks');
  checks.replaceChildren(
    ...report.checks.map((c) => {
      const li = document.createElement('li');
      li.textContent = `${c.holds ? '✓' : '✗'} ${c.rule}: ${c.observed}`;
      return li;
    }),
  );
  const table = $<HTMLTableElement>('sim-table');
  table.replaceChildren();
  const head = table.createTHead().insertRow();
  for (const h of ['algorithm', 'mean ms', 'p50', 'p95', 'p99', 'max', 'errors', 'peak in-flight', 'imbalance', 'request spread', 'target share', 'remapped']) cell(head, h, true);
  const body = table.createTBody();
  for (const v of report.results) {
    const row = body.insertRow();
    row.dataset.label = v.label;
    for (const text of [
      v.label,
      v.latencyMs.mean,
      v.latencyMs.p50,
      v.latencyMs.p95,
      v.latencyMs.p99,
      v.latencyMs.max,
      v.errors,
      v.peakInflight,
      v.loadImbalance,
      v.requestSpread,
      v.targetShare,
      v.remapped,
    ])
      cell(row, typeof text === 'string' ? text : show(text));
  }
  $<HTMLImageElement>('sim-latency').src = svgUrl(charts.latencyCdf);
  $<HTMLImageElement>('sim-inflight').src = svgUrl(charts.inflight);
  $('sim-result').hidden = false;
}

async function main(): Promise<void> {
  takeTokenFromHash();
  const select = $<HTMLSelectElement>('sim-scenario');
  const form = $<HTMLFormElement>('sim-form');
  const state = $('sim-state');
  const requests = form.elements.namedItem('requests') as HTMLInputElement;
  const seed = form.elements.namedItem('seed') as HTMLInputElement;
  let scenarios: ScenarioInfo[] = [];
  try {
    const list = await call<{ scenarios: ScenarioInfo[]; maxRequests: number }>('GET', 'api/v1/simulate');
    scenarios = list.scenarios;
    requests.max = String(list.maxRequests);
  } catch (error) {
    state.textContent = `cannot list scenarios: ${(error as Error).message}`;
    return;
  }
  for (const s of scenarios) select.add(new Option(s.name, s.name));
  const describe = () => {
    const s = scenarios.find((x) => x.name === select.value);
    $('sim-description').textContent = s?.description ?? '';
    if (s !== undefined) requests.value = String(s.requests);
  };
  select.addEventListener('change', describe);
  describe();
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const button = $<HTMLButtonElement>('sim-run');
    button.disabled = true;
    state.textContent = 'running…';
    call<RunAnswer>('POST', `api/v1/simulate/${encodeURIComponent(select.value)}`, { seed: Number(seed.value), requests: Number(requests.value) })
      .then((answer) => {
        render(answer);
        state.textContent = `done: ${answer.report.scenario}, seed ${seed.value}`;
      })
      .catch((error: Error) => {
        state.textContent = `failed: ${error.message}`;
      })
      .finally(() => {
        button.disabled = false;
      });
  });
}

void main();
