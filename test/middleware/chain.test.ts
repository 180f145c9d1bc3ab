import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileChain } from '../../src/http/middleware/chain.js';
import { negotiate } from '../../src/http/middleware/compress.js';
import { RouteStats } from '../../src/observe/traffic-stats.js';
import { MemoryStore } from '../../src/state/memory-store.js';
import type { MiddlewareConfig } from '../../src/config/middleware-types.js';
import { expectValid, listenerAt } from '../config/helpers.js';

const context = () => ({ store: new MemoryStore(), routeId: 'web/0', stats: new RouteStats('web', '0', 'api') });

function chainOf(middlewares: string, route: string): MiddlewareConfig[] | undefined {
  const config = expectValid(
    [
      'listeners:',
      '  - name: web',
      '    address: 127.0.0.1:0',
      '    routes:',
      `      - { middlewares: ${route}, service: api }`,
      'services:',
      '  api: { backends: [ { address: 127.0.0.1:9001 } ] }',
      'middlewares:',
      middlewares,
    ].join('\n') + '\n',
  );
  return listenerAt(config, 0, 'http').routes[0]!.chain;
}

test('a route without middlewares compiles to null: the data path pays nothing', () => {
  assert.equal(compileChain(undefined, context()), null);
  assert.equal(compileChain([], context()), null);
});

test('phases are split by what each middleware needs, in the route order', () => {
  const chain = compileChain(
    chainOf(
      [
        '  limit: { rateLimit: { rate: 10/s } }',
        '  conns: { rateLimit: { maxConnectionsPerClient: 2 } }',
        '  strip: { rewrite: { stripPrefix: /api } }',
        '  resp: { headers: { response: { set: { X-A: "1" } } } }',
        '  both: { headers: { request: { remove: [Cookie] }, response: { add: { X-B: "2" } } } }',
        '  gz: { compress: {} }',
      ].join('\n'),
      '[limit, conns, strip, resp, both, gz]',
    ),
    context(),
  )!;
  assert.deepEqual(
    chain.requestPhases.map((m) => m.name),
    ['limit', 'conns', 'strip', 'both', 'gz'],
  );
  assert.deepEqual(
    chain.responsePhases.map((m) => m.name),
    ['limit', 'resp', 'both'],
  );
  assert.equal(chain.compress?.name, 'gz');
  assert.equal(chain.staticFiles, null);
});

test('static answers everything it sees: only headers and compress may follow it; its root must exist', () => {
  const root = mkdtempSync(join(tmpdir(), 'fulcrum-static-'));
  const ok = compileChain(chainOf([`  files: { static: { root: ${root} } }`, '  gz: { compress: {} }'].join('\n'), '[files, gz]'), context())!;
  assert.equal(ok.staticFiles?.name, 'files');
  assert.throws(
    () => compileChain(chainOf([`  files: { static: { root: ${root} } }`, '  strip: { rewrite: { stripPrefix: /a } }'].join('\n'), '[files, strip]'), context()),
    /comes after static 'files'/,
  );
  assert.throws(() => compileChain(chainOf('  files: { static: { root: /nonexistent/fulcrum } }', '[files]'), context()), /does not exist/);
});

test('Accept-Encoding negotiation: q-values, *, refusals, server preference on ties', () => {
  assert.equal(negotiate('gzip, deflate, br', ['br', 'gzip']), 'br');
  assert.equal(negotiate('gzip, deflate, br', ['gzip', 'br']), 'gzip');
  assert.equal(negotiate('gzip;q=1, br;q=0.5', ['br', 'gzip']), 'gzip');
  assert.equal(negotiate('br;q=0, gzip;q=0', ['br', 'gzip']), null);
  assert.equal(negotiate('*', ['br', 'gzip']), 'br');
  assert.equal(negotiate('*;q=0.1, br;q=0', ['br', 'gzip']), 'gzip');
  assert.equal(negotiate('identity', ['br', 'gzip']), null);
  assert.equal(negotiate('x-gzip', ['br', 'gzip']), 'gzip');
  assert.equal(negotiate('GZIP', ['br', 'gzip']), 'gzip');
});
