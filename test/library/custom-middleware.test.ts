// Middlewares registered with start({ middlewares }): the same phases as built-in ones, on HTTP/1.1
// and HTTP/2 — answer locally (status, fields, body), change request headers and path (sync or
// async), change response headers; a throw is a 500; unknown names are refused at load.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { once } from 'node:events';
import { ConfigError, start, type MiddlewareFactory, type RunningFulcrum } from '../../src/index.js';
import { startHttpBackend, type HttpBackend } from '../helpers/http-backend.js';
import { request } from '../helpers/http-get.js';
import { captureLogger } from '../helpers/capture-logger.js';

const log = captureLogger();

let backend: HttpBackend;
let fulcrum: RunningFulcrum;
const seen: Array<{ method: string; path: string; query: string; host: string; clientIp: string; protocol: string }> = [];
const contexts: string[] = [];

const gate: MiddlewareFactory = (options, context) => {
  contexts.push(`${context.name}@${context.route}`);
  const header = String(options.header);
  return {
    onRequest(req) {
      seen.push({ method: req.method, path: req.path, query: req.query, host: req.host, clientIp: req.clientIp, protocol: req.protocol });
      if (req.headers.get(header) === undefined) return { status: 401, headers: { 'WWW-Authenticate': 'Token', 'X-Why': 'no token' }, body: 'refusé\n' };
      if (req.headers.get(header) === 'boom') throw new Error('gate exploded');
      req.headers.delete(header);
      req.headers.set('X-User', 'ana');
      req.headers.append('X-Tag', 'one');
      req.headers.append('X-Tag', 'two');
      if (req.path.startsWith('/v1/')) req.path = req.path.slice(3);
      return undefined;
    },
    onResponse(res) {
      res.headers.set('X-Gate', `${res.status} ${res.request.method}`);
      res.headers.delete('x-powered-by');
    },
  };
};

/** A request phase that waits before deciding, like one that asks a remote service. */
const slowLookup: MiddlewareFactory = () => ({
  async onRequest(req) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    if (req.headers.get('x-user') === 'ana') req.headers.set('X-Plan', 'gold');
    else return { status: 403, body: new Uint8Array([0x6e, 0x6f, 0x0a]) };
    return undefined;
  },
});

before(async () => {
  backend = await startHttpBackend((req, res, recorded) => {
    const answer = (): void => {
      res.writeHead(200, { 'content-type': 'application/json', 'x-powered-by': 'node' });
      res.end(JSON.stringify({ url: req.url, headers: req.headers, length: recorded.body.length }));
    };
    if (req.readableEnded) answer();
    else req.on('end', answer);
  });
  fulcrum = await start({
    config: {
      listeners: [
        {
          name: 'web',
          address: '127.0.0.1:0',
          http2: { enabled: true },
          routes: [{ name: 'api', middlewares: ['auth', 'plans'], service: 'app' }],
        },
      ],
      middlewares: {
        auth: { custom: { name: 'token-gate', options: { header: 'x-token' } } },
        plans: { custom: { name: 'slow-lookup' } },
      },
      services: { app: { backends: [{ address: backend.address }] } },
    },
    middlewares: { 'token-gate': gate, 'slow-lookup': slowLookup },
    logger: log.logger,
  });
});

after(async () => {
  await fulcrum.close();
  await backend.close();
});

function port(): number {
  return fulcrum.address('web').port;
}

test('the factory is called per route with its options and where it is used', () => {
  assert.deepEqual(contexts, ['auth@web/api']);
});

test('HTTP/1.1: a local answer with its status, fields and UTF-8 body; the response phase runs on it', async () => {
  const got = await request(port(), '/v1/items?x=1');
  assert.equal(got.status, 401);
  assert.equal(got.headers['www-authenticate'], 'Token');
  assert.equal(got.headers['x-why'], 'no token');
  assert.equal(got.headers['x-gate'], '401 GET');
  assert.equal(got.body.toString('utf8'), 'refusé\n');
  assert.equal(got.headers['content-length'], String(Buffer.byteLength('refusé\n')));
  assert.deepEqual(seen.at(-1), { method: 'GET', path: '/v1/items', query: 'x=1', host: '127.0.0.1', clientIp: '127.0.0.1', protocol: 'HTTP/1.1' });
});

test('HTTP/1.1: request headers and path changed (sync, then async), response headers changed', async () => {
  const got = await request(port(), '/v1/items?x=1', { 'x-token': 't0k', 'content-type': 'text/plain' }, 'POST', 'hello');
  assert.equal(got.status, 200);
  const echoed = JSON.parse(got.body.toString()) as { url: string; headers: Record<string, string>; length: number };
  assert.equal(echoed.url, '/items?x=1');
  assert.equal(echoed.headers['x-token'], undefined);
  assert.equal(echoed.headers['x-user'], 'ana');
  assert.equal(echoed.headers['x-tag'], 'one, two');
  assert.equal(echoed.headers['x-plan'], 'gold', 'set by the async phase');
  assert.equal(echoed.length, 5);
  assert.equal(got.headers['x-gate'], '200 POST');
  assert.equal(got.headers['x-powered-by'], undefined);
});

test('HTTP/1.1: a middleware that throws answers 500, logged with its entry name', async () => {
  const got = await request(port(), '/', { 'x-token': 'boom' });
  assert.equal(got.status, 500);
  const line = log.lines().find((l) => l.msg === 'middleware request phase failed');
  assert.equal(line?.middleware, 'auth');
  assert.equal(line?.err, 'gate exploded');
});

async function h2(path: string, headers: http2.OutgoingHttpHeaders = {}): Promise<{ status: number; headers: http2.IncomingHttpHeaders; body: Buffer }> {
  const session = http2.connect(`http://127.0.0.1:${port()}`);
  try {
    const stream = session.request({ ':path': path, ...headers });
    const [head] = (await once(stream, 'response')) as [http2.IncomingHttpHeaders];
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return { status: Number(head[':status']), headers: head, body: Buffer.concat(chunks) };
  } finally {
    session.close();
  }
}

test('HTTP/2: the same phases: a local answer, header and path changes, the response phase', async () => {
  const refused = await h2('/v1/a');
  assert.equal(refused.status, 401);
  assert.equal(refused.headers['x-why'], 'no token');
  assert.equal(refused.headers['x-gate'], '401 GET');
  assert.equal(refused.body.toString(), 'refusé\n');
  assert.equal(seen.at(-1)!.protocol, 'HTTP/2');

  const got = await h2('/v1/a?q=2', { 'x-token': 'ok' });
  assert.equal(got.status, 200);
  const echoed = JSON.parse(got.body.toString()) as { url: string; headers: Record<string, string> };
  assert.equal(echoed.url, '/a?q=2');
  assert.equal(echoed.headers['x-user'], 'ana');
  assert.equal(echoed.headers['x-plan'], 'gold');
  assert.equal(echoed.headers['x-token'], undefined);
  assert.equal(got.headers['x-gate'], '200 GET');
  assert.equal(got.headers['x-powered-by'], undefined);
  assert.equal((await h2('/', { 'x-token': 'boom' })).status, 500);
});

test('a middleware may not set framing fields: a TypeError, so a 500', async () => {
  const framing = await start({
    config: {
      listeners: [{ name: 'web', address: '127.0.0.1:0', routes: [{ middlewares: ['bad'], service: 'app' }] }],
      middlewares: { bad: { custom: { name: 'framing' } } },
      services: { app: { backends: [{ address: backend.address }] } },
    },
    middlewares: {
      framing: () => ({
        onRequest(req) {
          req.headers.set('Content-Length', '0');
          return undefined;
        },
      }),
    },
  });
  try {
    assert.equal((await request(framing.address('web').port, '/')).status, 500);
  } finally {
    await framing.close();
  }
});

test('a custom middleware naming an unregistered factory is refused at load with its line', async () => {
  const text = [
    'listeners:',
    '  - { name: web, address: 127.0.0.1:0, routes: [ { middlewares: [auth], service: app } ] }',
    'middlewares:',
    '  auth: { custom: { name: token-gat } }',
    'services:',
    `  app: { backends: [ { address: ${backend.address} } ] }`,
    '',
  ].join('\n');
  await assert.rejects(
    start({ config: text, middlewares: { 'token-gate': gate } }),
    (e: unknown) =>
      e instanceof ConfigError &&
      /^<config text>:4:\d+ middlewares\.auth\.custom\.name: no middleware is registered as "token-gat" \(registered: token-gate\).*did you mean 'token-gate'/.test(e.messages[0]!),
  );
});

test('a local answer with a byte body: its length on HTTP/1.1 (GET and HEAD) and HTTP/2', async () => {
  const bytes = await start({
    config: {
      listeners: [{ name: 'web', address: '127.0.0.1:0', http2: { enabled: true }, routes: [{ middlewares: ['teapot'], service: 'app' }] }],
      middlewares: { teapot: { custom: { name: 'teapot' } } },
      services: { app: { backends: [{ address: backend.address }] } },
    },
    middlewares: { teapot: () => ({ onRequest: () => ({ status: 418, headers: { 'Content-Type': 'application/octet-stream' }, body: new Uint8Array([0, 1, 2, 255]) }) }) },
  });
  try {
    const webPort = bytes.address('web').port;
    const got = await request(webPort, '/');
    assert.equal(got.status, 418);
    assert.deepEqual([...got.body], [0, 1, 2, 255]);
    assert.equal(got.headers['content-type'], 'application/octet-stream');
    const head = await request(webPort, '/', {}, 'HEAD');
    assert.equal(head.status, 418);
    assert.equal(head.headers['content-length'], '4');
    assert.equal(head.body.length, 0);
    const session = http2.connect(`http://127.0.0.1:${webPort}`);
    try {
      const stream = session.request({ ':path': '/' });
      const [headers] = (await once(stream, 'response')) as [http2.IncomingHttpHeaders];
      const chunks: Buffer[] = [];
      for await (const chunk of stream) chunks.push(chunk as Buffer);
      assert.equal(headers[':status'], 418);
      assert.equal(headers['content-length'], '4');
      assert.deepEqual([...Buffer.concat(chunks)], [0, 1, 2, 255]);
    } finally {
      session.close();
    }
  } finally {
    await bytes.close();
  }
});
