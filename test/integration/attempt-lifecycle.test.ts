// One request lifecycle, whatever the protocols: the same cases (pick, retry, give up, record) run
// through an HTTP/1.1 client and an h2c client (prior knowledge) to HTTP/1.1 backends, and through
// an h2c client to a `protocol: h2` service, and each case expects ONE outcome for every kind.
//
// To add a case, add a row to CASES: the backends it needs (scripted parts, see
// helpers/scripted-backends.ts), the service settings, the request, and the outcome. Every row
// also checks the recording: the request counted once in /metrics and written once in the access
// log, with the backend that gave the final answer (or none when Fulcrum answered alone).
// A kind that does not do it yet gets a `todo` with the reason; a row that passes must have none.
// HTTP/2 backends end their answers with a trailer field unless a row says otherwise (row
// plain-answer: an answer without trailers).
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Fulcrum } from '../../src/fulcrum.js';
import { portOf, startFulcrum } from '../helpers/fulcrum.js';
import { parseExposition } from '../helpers/prometheus-format.js';
import { send, startScriptedBackend, type Ask, type ClientProtocol, type Script, type ScriptedBackend, type UpstreamProtocol } from '../helpers/scripted-backends.js';

// --- client kinds: who talks to Fulcrum, and what Fulcrum talks to ---

const KINDS = {
  'h1→h1': { client: 'http1', upstream: 'http1', logged: 'HTTP/1.1' },
  'h2→h1': { client: 'h2', upstream: 'http1', logged: 'HTTP/2' },
  'h2→h2': { client: 'h2', upstream: 'h2', logged: 'HTTP/2' },
} as const satisfies Record<string, { client: ClientProtocol; upstream: UpstreamProtocol; logged: string }>;
type Kind = keyof typeof KINDS;
const ALL_KINDS = Object.keys(KINDS) as Kind[];

// --- the table ---

/** Backends are named a, b, c… in the order of `backends`; `{path}` in `body` is the request's path. */
interface Expect {
  status: number;
  /** the response body, exactly */
  body?: string;
  /** index of the backend that gave the final answer (the metrics' and access log's backend); null = Fulcrum answered alone */
  servedBy: number | null;
  /** how many times the request reached each backend */
  sent: number[];
  /** fulcrum_retries_total of the service after the request (unchecked when absent) */
  retries?: number;
  /** fulcrum_no_backend_total of the service after the request (unchecked when absent) */
  noBackend?: number;
  /** connections (HTTP/2: sessions) each backend accepted while the request ran */
  newConnections?: number[];
  /** response fields that must be there */
  present?: string[];
  /** response fields that must not be there */
  absent?: string[];
  /** [backend index, load]: the load report recorded on that backend (Backend.reportedLoad) */
  reportedLoad?: [number, number];
}

interface Row {
  /** short and unique: the request's path is `/${id}` */
  id: string;
  name: string;
  backends: Array<Script & { weight?: number }>;
  service: {
    algorithm?: string;
    retries?: { attempts: number; on: string[] };
    timeouts?: { connect?: string; response?: string; idle?: string };
  };
  /** a GET to `/${id}/warm` first, answered 200, which leaves a pooled connection (or session) behind */
  warmUp?: boolean;
  ask: Omit<Ask, 'path' | 'timeoutMs'>;
  expect: Expect;
  /** default: all kinds */
  kinds?: Kind[];
  /** kinds that fail today, with the reason */
  todo?: Partial<Record<Kind, string>>;
}

const ok = { does: 'ok' } as const;
const refuse = { does: 'refuse' } as const;
const hang = { does: 'hang' } as const;
const stale = { does: 'stale' } as const;
const fail = (status: number) => ({ does: 'fail', status }) as const;
const reportsLoad = (load: string) => ({ does: 'report-load', load }) as const;

const BODY = 'seven b'; // a request body (7 bytes)
const SHORT_RESPONSE_TIMEOUT = { response: '300ms' };

const CASES: Row[] = [
  {
    id: 'first-answers',
    name: 'the first backend answers: relayed, nothing retried',
    backends: [ok, ok],
    service: {},
    ask: { method: 'POST', body: BODY },
    expect: { status: 200, body: 'a POST {path} 7', servedBy: 0, sent: [1, 0], retries: 0 },
  },
  {
    id: 'plain-answer',
    name: 'an answer that ends with its last DATA frame (no trailers from an HTTP/2 backend) reaches the client whole',
    backends: [{ does: 'ok', trailers: false }],
    service: {},
    ask: { method: 'GET' },
    expect: { status: 200, body: 'a GET {path} 0', servedBy: 0, sent: [1] },
  },
  {
    id: 'connect-get',
    name: 'connect failure on the first backend: a GET goes to the next one, one retry counted',
    backends: [refuse, ok],
    service: { retries: { attempts: 1, on: ['connect-failure'] } },
    ask: { method: 'GET' },
    expect: { status: 200, body: 'b GET {path} 0', servedBy: 1, sent: [0, 1], retries: 1 },
  },
  {
    id: 'connect-post',
    name: 'connect failure on the first backend: a POST goes to the next one with its whole body',
    backends: [refuse, ok],
    service: { retries: { attempts: 1, on: ['connect-failure'] } },
    ask: { method: 'POST', body: BODY },
    expect: { status: 200, body: 'b POST {path} 7', servedBy: 1, sent: [0, 1], retries: 1 },
  },
  {
    id: 'timeout-get',
    name: 'response timeout, retries.on [timeout]: a GET goes to the next backend',
    backends: [hang, ok],
    service: { retries: { attempts: 1, on: ['timeout'] }, timeouts: SHORT_RESPONSE_TIMEOUT },
    ask: { method: 'GET' },
    expect: { status: 200, body: 'b GET {path} 0', servedBy: 1, sent: [1, 1], retries: 1 },
  },
  {
    id: 'timeout-post',
    name: 'response timeout, retries.on [timeout]: a POST with a body gets 504 and is not sent again',
    backends: [hang, ok],
    service: { retries: { attempts: 1, on: ['timeout'] }, timeouts: SHORT_RESPONSE_TIMEOUT },
    ask: { method: 'POST', body: BODY },
    expect: { status: 504, servedBy: 0, sent: [1, 0], retries: 0 },
  },
  {
    id: '5xx-get',
    name: '5xx, retries.on [5xx]: a GET answered 503 goes to the next backend',
    backends: [fail(503), ok],
    service: { retries: { attempts: 1, on: ['5xx'] } },
    ask: { method: 'GET' },
    expect: { status: 200, body: 'b GET {path} 0', servedBy: 1, sent: [1, 1], retries: 1 },
  },
  {
    id: '5xx-post',
    name: '5xx, retries.on [5xx]: a POST answered 500 gets that answer as it came',
    backends: [fail(500), ok],
    service: { retries: { attempts: 1, on: ['5xx'] } },
    ask: { method: 'POST', body: BODY },
    expect: { status: 500, body: 'a failing', servedBy: 0, sent: [1, 0], retries: 0 },
  },
  {
    id: 'stale-get',
    name: 'a pooled connection the backend dropped: a GET is sent once more on a fresh connection',
    backends: [stale],
    service: {},
    warmUp: true,
    ask: { method: 'GET' },
    // whether this resend counts in fulcrum_retries_total is not settled (HTTP/1.1 does not count it today)
    expect: { status: 200, body: 'a GET {path} 0', servedBy: 0, sent: [2], newConnections: [1] },
  },
  {
    id: 'stale-post',
    name: 'a pooled connection the backend dropped: a POST with a body gets 502 and is not sent again',
    backends: [stale],
    service: {},
    warmUp: true,
    ask: { method: 'POST', body: BODY },
    expect: { status: 502, servedBy: 0, sent: [1], newConnections: [0], retries: 0 },
  },
  {
    id: 'all-timeout',
    name: 'every attempt times out: 504 once the attempts are used up, each backend asked once',
    backends: [hang, hang],
    service: { retries: { attempts: 1, on: ['timeout'] }, timeouts: SHORT_RESPONSE_TIMEOUT },
    ask: { method: 'GET' },
    expect: { status: 504, servedBy: 1, sent: [1, 1], retries: 1 },
  },
  {
    id: 'all-refuse',
    name: 'every backend refuses the connection: 502',
    backends: [refuse, refuse],
    service: { retries: { attempts: 1, on: ['connect-failure'] } },
    ask: { method: 'GET' },
    expect: { status: 502, servedBy: 1, sent: [0, 0], retries: 1 },
  },
  {
    id: 'no-backend',
    name: 'no backend available (weight 0): 503 with Retry-After, nothing sent',
    backends: [{ ...ok, weight: 0 }],
    service: {},
    ask: { method: 'GET' },
    expect: { status: 503, servedBy: null, sent: [0], retries: 0, noBackend: 1, present: ['retry-after'] },
  },
  {
    id: 'load-report',
    name: 'algorithm resource: X-Backend-Load is recorded on the backend and not relayed',
    backends: [reportsLoad('0.9')],
    service: { algorithm: 'resource' },
    ask: { method: 'GET' },
    expect: { status: 200, body: 'a', servedBy: 0, sent: [1], absent: ['x-backend-load'], reportedLoad: [0, 0.9] },
  },
];

// --- running a row ---

const NAMES = 'abcdefgh';
/** every case answers well within this (the longest waits two 300 ms response timeouts) */
const ANSWER_WITHIN_MS = 3000;
const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fulcrum-lifecycle-'));
after(() => fs.rmSync(logDir, { recursive: true, force: true }));

function configFor(row: Row, upstream: UpstreamProtocol, backends: ScriptedBackend[], logFile: string): string {
  const list = backends.map((b, i) => `{ address: ${b.address}, weight: ${row.backends[i]!.weight ?? 1} }`).join(', ');
  const { algorithm = 'round-robin', retries, timeouts } = row.service;
  // JSON is YAML (flow style)
  return [
    'listeners:',
    '  - name: web',
    '    address: 127.0.0.1:0',
    '    http2: { enabled: true }',
    '    routes: [ { service: app } ]',
    'services:',
    '  app:',
    `    protocol: ${upstream}`,
    `    algorithm: ${algorithm}`,
    `    backends: [ ${list} ]`,
    ...(retries ? [`    retries: ${JSON.stringify(retries)}`] : []),
    ...(timeouts ? [`    timeouts: ${JSON.stringify(timeouts)}`] : []),
    'log:',
    '  level: silent',
    `  access: { destination: ${JSON.stringify(logFile)}, fields: [service, backend, method, path, status, protocol] }`,
    '',
  ].join('\n');
}

/** What /metrics says about the service: requests by backend label, retries, no-backend answers. */
async function countersOf(fulcrum: Fulcrum): Promise<{ byBackend: Map<string, number>; total: number; retries: number; noBackend: number }> {
  const exposition = parseExposition(await fulcrum.metrics());
  const byBackend = new Map<string, number>();
  let total = 0;
  let retries = 0;
  let noBackend = 0;
  for (const s of exposition.samples) {
    if (s.labels.service !== 'app') continue;
    if (s.name === 'fulcrum_requests_total') {
      byBackend.set(s.labels.backend!, (byBackend.get(s.labels.backend!) ?? 0) + s.value);
      total += s.value;
    } else if (s.name === 'fulcrum_retries_total') retries = s.value;
    else if (s.name === 'fulcrum_no_backend_total') noBackend = s.value;
  }
  return { byBackend, total, retries, noBackend };
}

/**
 * Resolves with `read()` once `ready(value)` holds, or with the last value after `withinMs`. For what
 * has no event to await: a stream's recording may land just after its last byte reached the client,
 * and the access log is written asynchronously.
 */
async function settle<T>(read: () => T | Promise<T>, ready: (value: T) => boolean, withinMs = 2000): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const value = await read();
    if (ready(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Writes out what the access log holds; false while its file is not open yet. */
function flushed(fulcrum: Fulcrum): boolean {
  try {
    fulcrum.observers.accessLog!.flush();
    return true;
  } catch {
    return false;
  }
}

function accessLogLines(fulcrum: Fulcrum, file: string): Array<Record<string, unknown>> {
  if (!flushed(fulcrum) || !fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

async function runRow(row: Row, kind: Kind): Promise<void> {
  const { client, upstream, logged } = KINDS[kind];
  const backends: ScriptedBackend[] = [];
  let fulcrum: Fulcrum | undefined;
  const logFile = path.join(logDir, `${row.id}-${upstream}-${client}.log`);
  try {
    for (const [i, script] of row.backends.entries()) backends.push(await startScriptedBackend(upstream, NAMES[i]!, script));
    fulcrum = await startFulcrum(configFor(row, upstream, backends, logFile));
    const started = fulcrum;
    // the access log opens its file asynchronously (and close() flushes it): wait until it can be flushed
    assert.ok(
      await settle(
        () => flushed(started),
        (done) => done,
      ),
      'the access log file opened',
    );
    const port = portOf(fulcrum);
    const requestPath = `/${row.id}`;
    if (row.warmUp) {
      const warm = await send(client, port, { method: 'GET', path: `${requestPath}/warm`, timeoutMs: ANSWER_WITHIN_MS });
      assert.equal(warm.status, 200, `the warm-up request: ${warm.body}`);
    }
    const before = await countersOf(fulcrum);
    const connectionsBefore = backends.map((b) => b.connections);

    const reply = await send(client, port, { ...row.ask, path: requestPath, timeoutMs: ANSWER_WITHIN_MS });

    const expect = row.expect;
    assert.equal(reply.status, expect.status, `status (body: ${reply.body.trim()})`);
    if (expect.body !== undefined) assert.equal(reply.body, expect.body.replace('{path}', requestPath));
    for (const name of expect.present ?? []) assert.ok(reply.headers[name] !== undefined, `${name} is in the response`);
    for (const name of expect.absent ?? []) assert.equal(reply.headers[name], undefined, `${name} is not relayed`);
    const sent = backends.map((b) => b.requests.filter((r) => r.method === row.ask.method && r.path === requestPath).length);
    assert.deepEqual(sent, expect.sent, 'times the request reached each backend');
    if (expect.newConnections !== undefined) {
      assert.deepEqual(
        backends.map((b, i) => b.connections - connectionsBefore[i]!),
        expect.newConnections,
        'connections each backend accepted for the request',
      );
    }
    if (expect.reportedLoad !== undefined) {
      const [index, load] = expect.reportedLoad;
      const backend = fulcrum.services.get('app')!.backends.find((b) => b.id === backends[index]!.address)!;
      assert.equal(backend.reportedLoad, load, `the load report recorded on backend ${NAMES[index]}`);
    }

    // recording: once in /metrics, once in the access log, with the final backend
    const finalBackend = expect.servedBy === null ? '' : backends[expect.servedBy]!.address;
    const counted = await settle(
      () => countersOf(fulcrum!),
      (c) => c.total > before.total,
    );
    assert.equal(counted.total - before.total, 1, 'the request is counted once in fulcrum_requests_total');
    assert.equal((counted.byBackend.get(finalBackend) ?? 0) - (before.byBackend.get(finalBackend) ?? 0), 1, `counted on backend "${finalBackend}"`);
    if (expect.retries !== undefined) assert.equal(counted.retries - before.retries, expect.retries, 'fulcrum_retries_total');
    if (expect.noBackend !== undefined) assert.equal(counted.noBackend - before.noBackend, expect.noBackend, 'fulcrum_no_backend_total');
    const lines = await settle(
      () => accessLogLines(fulcrum!, logFile).filter((l) => l.path === requestPath),
      (found) => found.length > 0,
    );
    assert.deepEqual(
      lines,
      [{ service: 'app', backend: finalBackend === '' ? null : finalBackend, method: row.ask.method, path: requestPath, status: expect.status, protocol: logged }],
      'one access log line, with the final backend',
    );
  } finally {
    try {
      await fulcrum?.close();
    } finally {
      for (const backend of backends) await backend.close();
    }
  }
}

for (const row of CASES) {
  describe(row.name, () => {
    for (const kind of row.kinds ?? ALL_KINDS) {
      const todo = row.todo?.[kind];
      test(kind, todo === undefined ? {} : { todo }, () => runRow(row, kind));
    }
  });
}
