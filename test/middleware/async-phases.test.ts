// Request phases that answer with a promise (a networked state store, a user's middleware): the
// request waits for them on HTTP/1.1 (in pipelining order) and HTTP/2; a rejection is a 500 in the
// log, the route's response timeout bounds the wait (504), a client leaving meanwhile is let go.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { once } from 'node:events';
import { parseConfigText, formatConfigError } from '../../src/config/index.js';
import { Fulcrum } from '../../src/fulcrum.js';
import type { HttpListenerState, RouteTarget } from '../../src/http/listener-state.js';
import type { RequestPhase, Verdict } from '../../src/http/middleware/chain.js';
import { setField } from '../../src/http/middleware/field-ops.js';
import { textAnswer } from '../../src/http/middleware/local-answer.js';
import type { ChainClient, ChainRun } from '../../src/http/middleware/run.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { portOf, yaml } from '../helpers/fulcrum.js';
import { echoHandler, startHttpBackend, type HttpBackend } from '../helpers/http-backend.js';
import { RawClient } from '../helpers/raw-client.js';

/** Settles in a later turn, by what the path asks: /wait/MS, /deny, /fail, /never, /sync. */
class AsyncPhase implements RequestPhase {
  readonly name = 'async-test';
  /** promises still pending (/never, or a waiting /hold), to release at the end */
  readonly held: Array<() => void> = [];
  started = 0;

  onRequest(run: ChainRun<ChainClient>): Verdict | Promise<Verdict> {
    const path = run.head.path;
    this.started++;
    if (path.startsWith('/sync')) return null;
    if (path === '/never' || path === '/hold') {
      return new Promise<Verdict>((resolve) => this.held.push(() => resolve(null)));
    }
    const ms = path.startsWith('/wait/') ? Number(path.slice(6)) : 5;
    return new Promise<Verdict>((resolve, reject) => {
      setTimeout(() => {
        if (path === '/fail') return reject(new Error('store unreachable'));
        if (path === '/deny') return resolve({ ...textAnswer(403), fields: [['X-Denied-By', 'async']] });
        setField(run.head.fields, 'X-Async', 'x-async', 'decided');
        resolve(null);
      }, ms);
    });
  }
}

let backend: HttpBackend;
let fulcrum: Fulcrum;
const phase = new AsyncPhase();
const log = captureLogger();

/** The first route's compiled chain, to put the test's phase in front of the headers middleware. */
function firstRouteTarget(running: Fulcrum): RouteTarget {
  const listeners = (running as unknown as { listeners: Map<string, { state: HttpListenerState }> }).listeners;
  const router = listeners.get('web')!.state.router as unknown as { routes: Array<{ target: RouteTarget }> };
  return router.routes[0]!.target;
}

before(async () => {
  backend = await startHttpBackend(echoHandler('b'));
  const parsed = parseConfigText(
    yaml`
      listeners:
        - name: web
          address: 127.0.0.1:0
          http2: { enabled: true }
          routes:
            - { middlewares: [tag], service: app, timeouts: { response: 400ms } }
      middlewares:
        tag: { headers: { response: { set: { X-Tagged: "yes" } } } }
      services:
        app: { backends: [ { address: ${backend.address} } ] }
    `,
    'test.yaml',
  );
  if (!parsed.ok) throw new Error(parsed.errors.map(formatConfigError).join('\n'));
  fulcrum = await Fulcrum.start(parsed.config, { logger: log.logger });
  const chain = firstRouteTarget(fulcrum).middlewares!;
  (chain.requestPhases as RequestPhase[]).unshift(phase);
});

after(async () => {
  for (const release of phase.held) release();
  await fulcrum.close();
  await backend.close();
});

function bodyOf(response: { body: Buffer }): string {
  return response.body.toString();
}

test('HTTP/1.1: a phase that resolves later lets the request through with its header changes', async () => {
  const client = await RawClient.connect(portOf(fulcrum));
  await client.write('GET /wait/30 HTTP/1.1\r\nHost: a\r\n\r\n');
  const response = await client.response();
  assert.equal(response.status, 200);
  assert.equal(bodyOf(response), 'b GET /wait/30 0');
  assert.equal(response.headers['x-tagged'], 'yes', 'the response phases still run');
  assert.equal(backend.requests.at(-1)!.headers['x-async'], 'decided');
  client.socket.destroy();
});

test('HTTP/1.1: an answer given later is sent, with the response phases applied', async () => {
  const client = await RawClient.connect(portOf(fulcrum));
  const before = backend.requests.length;
  await client.write('GET /deny HTTP/1.1\r\nHost: a\r\n\r\n');
  const response = await client.response();
  assert.equal(response.status, 403);
  assert.equal(response.headers['x-denied-by'], 'async');
  assert.equal(response.headers['x-tagged'], 'yes');
  assert.equal(backend.requests.length, before, 'nothing reached the backend');
  // the connection survives a bodiless answer
  await client.write('GET /sync HTTP/1.1\r\nHost: a\r\n\r\n');
  assert.equal((await client.response()).status, 200);
  client.socket.destroy();
});

test('HTTP/1.1: pipelined requests are answered in order whatever order their phases settle in', async () => {
  const client = await RawClient.connect(portOf(fulcrum));
  await client.write(
    'GET /wait/120 HTTP/1.1\r\nHost: a\r\n\r\n' +
      'GET /sync/1 HTTP/1.1\r\nHost: a\r\n\r\n' +
      'GET /wait/1 HTTP/1.1\r\nHost: a\r\n\r\n' +
      'POST /wait/40 HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello' +
      'GET /deny HTTP/1.1\r\nHost: a\r\n\r\n',
  );
  const bodies: string[] = [];
  for (let i = 0; i < 5; i++) {
    const response = await client.response(i === 3 ? 'POST' : 'GET');
    bodies.push(`${response.status} ${response.status === 200 ? bodyOf(response) : ''}`);
  }
  assert.deepEqual(bodies, ['200 b GET /wait/120 0', '200 b GET /sync/1 0', '200 b GET /wait/1 0', '200 b POST /wait/40 5', '403 ']);
  client.socket.destroy();
});

test('HTTP/1.1: a request body sent after the head waits with the request and reaches the backend whole', async () => {
  const client = await RawClient.connect(portOf(fulcrum));
  await client.write('POST /wait/60 HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhel');
  await client.write('lo world');
  const response = await client.response('POST');
  assert.equal(response.status, 200);
  assert.equal(bodyOf(response), 'b POST /wait/60 11');
  assert.equal(backend.requests.at(-1)!.body.toString(), 'hello world');
  client.socket.destroy();
});

test('HTTP/1.1: a rejected phase is a 500, logged with the middleware name; the connection goes on', async () => {
  const client = await RawClient.connect(portOf(fulcrum));
  await client.write('GET /fail HTTP/1.1\r\nHost: a\r\n\r\n');
  const response = await client.response();
  assert.equal(response.status, 500);
  const line = log.lines().find((l) => l.msg === 'middleware request phase failed');
  assert.ok(line, 'logged');
  assert.equal(line.middleware, 'async-test');
  assert.equal(line.err, 'store unreachable');
  await client.write('GET /sync HTTP/1.1\r\nHost: a\r\n\r\n');
  assert.equal((await client.response()).status, 200);
  client.socket.destroy();
});

test('HTTP/1.1: the route response timeout bounds the wait (504)', async () => {
  const client = await RawClient.connect(portOf(fulcrum));
  const started = Date.now();
  await client.write('GET /never HTTP/1.1\r\nHost: a\r\n\r\n');
  const response = await client.response('GET', 3000);
  assert.equal(response.status, 504);
  const waited = Date.now() - started;
  assert.ok(waited >= 350 && waited < 2000, `waited ${waited} ms for a 400 ms timeout`);
  assert.ok(log.lines().some((l) => l.msg === 'middleware request phase did not answer in time'));
  client.socket.destroy();
});

test('HTTP/1.1: a client that leaves while its phase is pending is let go; the late verdict writes nothing', async () => {
  const client = await RawClient.connect(portOf(fulcrum));
  const before = backend.requests.length;
  const held = phase.held.length;
  await client.write('GET /hold HTTP/1.1\r\nHost: a\r\n\r\n');
  await waitFor(() => phase.held.length > held);
  client.socket.destroy();
  const listener = (fulcrum as unknown as { listeners: Map<string, { state: HttpListenerState }> }).listeners.get('web')!;
  await waitFor(() => listener.state.connections.size === 0);
  phase.held.pop()!();
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.equal(backend.requests.length, before, 'the request was not forwarded after its client left');
});

// --- HTTP/2 ---

async function h2(path: string, method = 'GET', body?: string): Promise<{ status: number; headers: http2.IncomingHttpHeaders; body: string }> {
  const session = http2.connect(`http://127.0.0.1:${portOf(fulcrum)}`);
  try {
    const stream = session.request({ ':path': path, ':method': method }, { endStream: body === undefined });
    if (body !== undefined) stream.end(body);
    const [headers] = (await once(stream, 'response')) as [http2.IncomingHttpHeaders];
    let text = '';
    stream.setEncoding('utf8');
    for await (const chunk of stream) text += chunk;
    return { status: Number(headers[':status']), headers, body: text };
  } finally {
    session.close();
  }
}

test('HTTP/2: a stream waits for its phase, then is forwarded with the header changes', async () => {
  const response = await h2('/wait/30');
  assert.equal(response.status, 200);
  assert.equal(response.body, 'b GET /wait/30 0');
  assert.equal(response.headers['x-tagged'], 'yes');
  assert.equal(backend.requests.at(-1)!.headers['x-async'], 'decided');
  const posted = await h2('/wait/20', 'POST', 'some body');
  assert.equal(posted.body, 'b POST /wait/20 9');
});

test('HTTP/2: a later answer, a rejection (500) and a timeout (504)', async () => {
  const denied = await h2('/deny');
  assert.equal(denied.status, 403);
  assert.equal(denied.headers['x-denied-by'], 'async');
  assert.equal(denied.headers['x-tagged'], 'yes');
  assert.equal((await h2('/fail')).status, 500);
  const started = Date.now();
  assert.equal((await h2('/never')).status, 504);
  assert.ok(Date.now() - started >= 350);
});

test('HTTP/2: a stream reset while its phase is pending is let go', async () => {
  const before = backend.requests.length;
  const held = phase.held.length;
  const session = http2.connect(`http://127.0.0.1:${portOf(fulcrum)}`);
  const stream = session.request({ ':path': '/hold' });
  stream.on('error', () => {});
  await waitFor(() => phase.held.length > held);
  stream.close(http2.constants.NGHTTP2_CANCEL);
  await once(stream, 'close');
  // the server reads frames in order: once the PING is answered, it has seen the reset
  await new Promise<void>((resolve, reject) => session.ping((error) => (error ? reject(error) : resolve())));
  phase.held.pop()!();
  // the session still serves
  const next = session.request({ ':path': '/sync/after' });
  const [headers] = (await once(next, 'response')) as [http2.IncomingHttpHeaders];
  next.resume();
  await once(next, 'end');
  assert.equal(headers[':status'], 200);
  assert.equal(backend.requests.length, before + 1, 'only the second stream was forwarded');
  session.close();
});

async function waitFor(predicate: () => boolean, timeoutMs = 3000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
