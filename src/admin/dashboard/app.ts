// Fulcrum's dashboard: a live view of services and backends from GET /api/v1/events, with
// controls to drain, undrain and re-weight a backend through the admin API.
import 'uplot/dist/uPlot.min.css';
import './style.css';
import { getToken, patchBackend, setToken, streamSnapshots, takeTokenFromHash, Unauthorized } from './api.js';
import { ServiceCharts } from './charts.js';
import * as fmt from './format.js';
import type { BackendView, ServiceSnapshot, Snapshot } from './types.js';

/** No snapshot for this long: the stream is stale, reconnect. */
const STALE_MS = 5000;
const RETRY_MS = 2000;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> & { className?: string } = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

const statusBox = document.getElementById('status')!;
const servicesBox = document.getElementById('services')!;
const tokenForm = document.getElementById('token-form') as HTMLFormElement;
const toastBox = document.getElementById('toast')!;

function setStatus(state: 'connecting' | 'live' | 'stale' | 'token', text: string): void {
  statusBox.dataset.state = state;
  statusBox.textContent = text;
}

let toastTimer = 0;
function toast(text: string, kind: 'ok' | 'error' = 'ok'): void {
  toastBox.textContent = text;
  toastBox.dataset.kind = kind;
  toastBox.classList.add('shown');
  clearTimeout(toastTimer);
  toastTimer = window.setTimeout(() => toastBox.classList.remove('shown'), kind === 'error' ? 6000 : 2500);
}

/** One row of a backend table; its cells are updated in place so a focused input survives updates. */
class BackendRow {
  readonly tr: HTMLTableRowElement;
  private readonly cells: Record<string, HTMLTableCellElement> = {};
  private readonly badges = el('div', { className: 'badges' });
  private readonly weightInput = el('input', { type: 'number', min: '0', step: '1', className: 'weight-input', title: 'new weight (0 drains)' });
  private readonly drainButton = el('button', { type: 'button', className: 'drain' });
  /** the config's name, shown first; the address stays beside it */
  private readonly nameLabel = el('strong', { className: 'backend-name' });
  /** where it came from, shown unless it is the config file */
  private readonly sourceLabel = el('small', { className: 'backend-source' });
  private readonly actionBox = el('div', { className: 'action-box' });
  private view: BackendView | null = null;

  constructor(
    private readonly service: string,
    readonly address: string,
    private readonly removing: boolean,
  ) {
    this.tr = el('tr');
    this.tr.dataset.backend = address;
    const name = el('td', { className: 'address' }, this.nameLabel, el('code', { textContent: address }), this.sourceLabel);
    this.tr.append(name);
    for (const key of ['health', 'weight', 'active', 'inflight', 'rps', 'errors', 'p50', 'p95', 'p99']) {
      const td = el('td', { className: key === 'health' ? 'health' : 'num' });
      td.dataset.field = key;
      this.cells[key] = td;
      this.tr.append(td);
    }
    this.cells.health!.append(this.badges);
    const actions = el('td', { className: 'actions' });
    if (!removing) {
      const setWeight = el('button', { type: 'button', className: 'set-weight', textContent: 'Set' });
      const form = el('form', { className: 'weight-form' }, this.weightInput, setWeight);
      form.addEventListener('submit', (e) => (e.preventDefault(), void this.changeWeight()));
      setWeight.addEventListener('click', () => void this.changeWeight());
      this.drainButton.addEventListener('click', () => void this.toggleDrain());
      this.actionBox.append(form, this.drainButton);
      actions.append(this.actionBox);
    }
    this.tr.append(actions);
  }

  /** how messages name it: by name when it has one */
  private get label(): string {
    return this.view?.name ?? this.address;
  }

  update(view: BackendView): void {
    this.view = view;
    this.tr.dataset.name = view.name ?? '';
    this.nameLabel.textContent = view.name ?? '';
    this.nameLabel.hidden = view.name === null;
    this.sourceLabel.textContent = view.source === 'config' ? '' : ` ${view.source}`;
    this.sourceLabel.hidden = view.source === 'config';
    // a backend found by DNS follows its records: no weight or drain from here
    this.actionBox.hidden = view.source.startsWith('dns:');
    const live = view.live;
    this.badges.replaceChildren(...badges(view, this.removing));
    this.tr.classList.toggle('out', view.draining || !view.available || this.removing);
    const w = this.cells.weight!;
    w.textContent = fmt.weight(view.weight);
    if (view.effectiveWeight !== view.weight) w.append(el('span', { className: 'effective', textContent: ` → ${fmt.weight(view.effectiveWeight)}`, title: 'effective weight (slow start)' }));
    this.cells.active!.textContent = String(view.activeConnections);
    this.cells.inflight!.textContent = String(view.inflightRequests);
    this.cells.rps!.textContent = fmt.rate(live?.rps);
    this.cells.errors!.textContent = fmt.percent(live?.errorRate);
    this.cells.errors!.classList.toggle('bad', (live?.errorRate ?? 0) >= 0.01);
    this.cells.p50!.textContent = fmt.ms(live?.p50);
    this.cells.p95!.textContent = fmt.ms(live?.p95);
    this.cells.p99!.textContent = fmt.ms(live?.p99);
    if (document.activeElement !== this.weightInput && this.weightInput.dataset.dirty !== '1') this.weightInput.value = String(view.weight);
    this.weightInput.oninput = () => (this.weightInput.dataset.dirty = '1');
    this.drainButton.textContent = view.draining ? 'Undrain' : 'Drain';
    this.drainButton.classList.toggle('undrain', view.draining);
    this.drainButton.title = view.draining ? 'put it back into rotation' : 'take no new requests; in-flight ones finish';
  }

  private async toggleDrain(): Promise<void> {
    if (this.view === null) return;
    const drain = !this.view.draining;
    await this.act({ drain }, drain ? `${this.label} draining` : `${this.label} back in rotation`);
  }

  private async changeWeight(): Promise<void> {
    const value = Number(this.weightInput.value);
    if (!Number.isInteger(value) || value < 0) return toast('weight: a whole number ≥ 0', 'error');
    delete this.weightInput.dataset.dirty;
    this.weightInput.blur();
    await this.act({ weight: value }, `${this.label} weight ${value}`);
  }

  private async act(change: { weight?: number; drain?: boolean }, done: string): Promise<void> {
    this.tr.classList.add('busy');
    try {
      const view = await patchBackend(this.service, this.address, change);
      this.update({ ...view, live: this.view?.live });
      toast(done);
    } catch (error) {
      if (error instanceof Unauthorized) askToken('The admin API wants a token for this change.');
      else toast(`${this.label}: ${(error as Error).message}`, 'error');
    } finally {
      this.tr.classList.remove('busy');
    }
  }
}

function badges(view: BackendView, removing: boolean): HTMLElement[] {
  const out: HTMLElement[] = [];
  const status = view.health.status ?? (view.health.healthy ? 'healthy' : 'unhealthy');
  const health = el('span', { className: `badge ${view.health.healthy ? 'ok' : status === 'unknown' ? 'unknown' : 'down'}`, textContent: status });
  if (view.health.reason !== '') health.title = view.health.reason;
  out.push(health);
  if (view.ejected) out.push(el('span', { className: 'badge down', textContent: 'ejected' }));
  if (removing) out.push(el('span', { className: 'badge warn', textContent: 'removing' }));
  else if (view.draining) out.push(el('span', { className: 'badge warn', textContent: view.drain?.phase ?? 'draining' }));
  else if (view.effectiveWeight < view.weight) out.push(el('span', { className: 'badge info', textContent: 'slow start' }));
  return out;
}

/** The card of one service: its totals, charts and backend table. */
class ServiceCard {
  readonly root: HTMLElement;
  private readonly summary = el('div', { className: 'summary' });
  private readonly tbody = el('tbody');
  private readonly rows = new Map<string, BackendRow>();
  private readonly charts: ServiceCharts;
  private readonly meta = el('span', { className: 'meta' });

  constructor(readonly name: string) {
    const rateBox = el('div', { className: 'chart' });
    const latencyBox = el('div', { className: 'chart' });
    const head = el('tr');
    for (const [label, cls] of [
      ['Backend', ''],
      ['Health', ''],
      ['Weight', 'num'],
      ['Active', 'num'],
      ['In flight', 'num'],
      ['req/s', 'num'],
      ['Errors', 'num'],
      ['p50', 'num'],
      ['p95', 'num'],
      ['p99', 'num'],
      ['', 'actions'],
    ] as const) {
      head.append(el('th', { textContent: label, className: cls }));
    }
    this.root = el(
      'section',
      { className: 'service' },
      el('header', { className: 'service-head' }, el('h2', { textContent: name }), this.meta, this.summary),
      el('div', { className: 'charts' }, rateBox, latencyBox),
      el('div', { className: 'table-wrap' }, el('table', { className: 'backends' }, el('thead', {}, head), this.tbody)),
    );
    this.root.dataset.service = name;
    this.charts = new ServiceCharts(rateBox, latencyBox);
  }

  update(service: ServiceSnapshot): void {
    const up = service.backends.filter((b) => b.available).length;
    this.meta.textContent = `${service.algorithm} · ${up} of ${service.backends.length} backends taking requests`;
    const live = service.live;
    this.summary.replaceChildren(
      stat('req/s', fmt.rate(live.rps)),
      stat('errors', fmt.percent(live.errorRate), (live.errorRate ?? 0) >= 0.01),
      stat('p50', fmt.ms(live.p50)),
      stat('p95', fmt.ms(live.p95)),
      stat('p99', fmt.ms(live.p99)),
    );
    const seen = new Set<string>();
    const all: [BackendView, boolean][] = [...service.backends.map((b) => [b, false] as [BackendView, boolean]), ...service.removing.map((b) => [b, true] as [BackendView, boolean])];
    for (const [view, removing] of all) {
      const key = (removing ? 'removing ' : '') + view.address;
      seen.add(key);
      let row = this.rows.get(key);
      if (row === undefined) this.rows.set(key, (row = new BackendRow(service.name, view.address, removing)));
      row.update(view);
      this.tbody.append(row.tr); // keeps the order of the snapshot; moving a node keeps its focus state
    }
    for (const [key, row] of this.rows) {
      if (!seen.has(key)) {
        row.tr.remove();
        this.rows.delete(key);
      }
    }
    this.charts.update(service.series, new Map(service.backends.map((b) => [b.address, b.name ?? b.address])));
  }

  destroy(): void {
    this.charts.destroy();
    this.root.remove();
  }
}

function stat(label: string, value: string, bad = false): HTMLElement {
  return el('div', { className: bad ? 'stat bad' : 'stat' }, el('span', { className: 'stat-value', textContent: value }), el('span', { className: 'stat-label', textContent: label }));
}

const cards = new Map<string, ServiceCard>();

function render(snapshot: Snapshot): void {
  const seen = new Set<string>();
  for (const service of snapshot.services) {
    seen.add(service.name);
    let card = cards.get(service.name);
    if (card === undefined) {
      cards.set(service.name, (card = new ServiceCard(service.name)));
      servicesBox.append(card.root);
    }
    card.update(service);
  }
  for (const [name, card] of cards) {
    if (!seen.has(name)) {
      card.destroy();
      cards.delete(name);
    }
  }
  if (snapshot.services.length === 0) servicesBox.replaceChildren(el('p', { className: 'empty', textContent: 'No services configured.' }));
  setStatus('live', `live · ${fmt.clock(snapshot.time)}`);
  document.body.dataset.updates = String(Number(document.body.dataset.updates ?? '0') + 1);
}

function askToken(message: string): void {
  setStatus('token', 'token needed');
  tokenForm.querySelector('.token-message')!.textContent = message;
  tokenForm.hidden = false;
  (tokenForm.elements.namedItem('token') as HTMLInputElement).focus();
}

let connection: AbortController | null = null;

/** Keeps one live stream open: reconnects when it ends, fails or goes stale. */
async function connect(): Promise<void> {
  connection?.abort();
  const controller = new AbortController();
  connection = controller;
  let staleTimer = 0;
  const alive = (): void => {
    clearTimeout(staleTimer);
    staleTimer = window.setTimeout(() => {
      setStatus('stale', 'no update for 5 s · reconnecting');
      controller.abort();
    }, STALE_MS);
  };
  alive();
  try {
    await streamSnapshots((snapshot) => (alive(), render(snapshot)), controller.signal);
    if (!controller.signal.aborted) setStatus('stale', 'disconnected · reconnecting');
  } catch (error) {
    if (error instanceof Unauthorized) {
      clearTimeout(staleTimer);
      askToken(getToken() === null ? 'This admin API needs its token (admin.token).' : 'That token was refused.');
      return;
    }
    if (!controller.signal.aborted) setStatus('stale', 'admin API unreachable · retrying');
  }
  clearTimeout(staleTimer);
  if (connection === controller) window.setTimeout(() => void connect(), RETRY_MS);
}

tokenForm.addEventListener('submit', (event) => {
  event.preventDefault();
  setToken((tokenForm.elements.namedItem('token') as HTMLInputElement).value.trim());
  tokenForm.hidden = true;
  setStatus('connecting', 'connecting…');
  void connect();
});

takeTokenFromHash();
void connect();
