// The library's start(): a config as a file, text or object, validated with positioned errors
// (ConfigError); registered algorithms usable by name and kept through reloads, admin changes and
// drains; a read-only view of services and backends.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, isEligible, start, wasTried, type Backend, type Balancer, type BalancerFactory, type RunningFulcrum } from '../../src/index.js';
import { startHttpBackend, echoHandler, type HttpBackend } from '../helpers/http-backend.js';
import { request } from '../helpers/http-get.js';

const backends: HttpBackend[] = [];
const running: RunningFulcrum[] = [];
after(async () => {
  await Promise.all(running.map((f) => f.close()));
  await Promise.all(backends.map((b) => b.close()));
});

async function backend(name: string): Promise<HttpBackend> {
  const started = await startHttpBackend(echoHandler(name));
  backends.push(started);
  return started;
}

/** Always the last eligible backend in the list: easy to tell apart from every built-in algorithm. */
let builds = 0;
const lastOne: BalancerFactory = (list: readonly Backend[]): Balancer => {
  builds++;
  return {
    name: 'last-one',
    usesKey: false,
    pick(_ctx, tried) {
      for (let i = list.length - 1; i >= 0; i--) {
        const b = list[i]!;
        if (isEligible(b) && !wasTried(tried, b)) return b;
      }
      return undefined;
    },
  };
};

function configText(addresses: string[], algorithm = 'last-one', admin = false): string {
  return [
    ...(admin ? ['admin: { address: 127.0.0.1:0 }'] : []),
    'listeners:',
    '  - name: web',
    '    address: 127.0.0.1:0',
    '    routes: [ { service: app } ]',
    'services:',
    '  app:',
    `    algorithm: ${algorithm}`,
    '    backends:',
    ...addresses.map((a) => `      - { address: ${a} }`),
    '',
  ].join('\n');
}

async function served(fulcrum: RunningFulcrum): Promise<string> {
  const got = await request(fulcrum.address('web').port, '/');
  return got.body.toString().split(' ')[0]!;
}

test('a config given as an object: served, with a registered algorithm; snapshots are plain and read-only', async () => {
  const a = await backend('a');
  const b = await backend('b');
  const fulcrum = await start({
    config: {
      listeners: [{ name: 'web', address: '127.0.0.1:0', routes: [{ service: 'app' }] }],
      services: {
        app: {
          algorithm: 'last-one',
          backends: [
            { address: a.address, name: 'alpha' },
            { address: b.address, weight: 3 },
          ],
        },
      },
    },
    algorithms: { 'last-one': lastOne },
  });
  running.push(fulcrum);
  assert.equal(await served(fulcrum), 'b');
  assert.equal(await served(fulcrum), 'b');
  const [app] = fulcrum.services();
  assert.ok(app);
  assert.equal(app.name, 'app');
  assert.equal(app.algorithm, 'last-one');
  assert.deepEqual(
    app.backends.map((x) => [x.name, x.address, x.weight, x.healthy, x.draining, x.totalRequests]),
    [
      ['alpha', a.address, 1, true, false, 0],
      [null, b.address, 3, true, false, 2],
    ],
  );
  assert.ok(Object.isFrozen(app) && Object.isFrozen(app.backends[0]));
  assert.equal(fulcrum.service('nope'), undefined);
  assert.deepEqual(fulcrum.listeners(), ['web']);
  assert.match(await fulcrum.metrics(), /fulcrum_/);
});

test('a config given as a file path, and as YAML text', async () => {
  const a = await backend('a');
  const b = await backend('b');
  const dir = mkdtempSync(join(tmpdir(), 'fulcrum-lib-'));
  const file = join(dir, 'fulcrum.yaml');
  writeFileSync(file, configText([a.address, b.address]));
  const fromFile = await start({ config: file, algorithms: { 'last-one': lastOne } });
  running.push(fromFile);
  assert.equal(await served(fromFile), 'b');
  const fromText = await start({ config: configText([b.address, a.address]), algorithms: { 'last-one': lastOne } });
  running.push(fromText);
  assert.equal(await served(fromText), 'a');
  // reload() with no argument reads the file again
  writeFileSync(file, configText([b.address, a.address]));
  const summary = await fromFile.reload();
  assert.deepEqual(summary.services.updated, ['app']);
  assert.equal(await served(fromFile), 'a');
});

test('invalid configs throw a ConfigError: file:line for text, the key path for objects, did-you-mean among built-in and registered names', async () => {
  const text = configText(['127.0.0.1:9'], 'last-onne');
  const error = await start({ config: text, algorithms: { 'last-one': lastOne } }).then(
    () => assert.fail('started'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof ConfigError);
  assert.equal(error.messages.length, 1);
  assert.match(error.messages[0]!, /^<config text>:7:\d+ services\.app\.algorithm: expected round-robin \| .* \| last-one, got "last-onne".*did you mean 'last-one'/);
  assert.equal(error.problems[0]!.line, 7);

  // without the registration, the same name is unknown
  await assert.rejects(start({ config: configText(['127.0.0.1:9']) }), (e: unknown) => e instanceof ConfigError && /got "last-one"/.test(e.messages[0]!));

  const objectError = await start({
    config: { listeners: [{ name: 'web', address: 'nowhere', routes: [{ service: 'app' }] }], services: { app: { algorithm: 'maglevv', backends: [] } } },
  }).then(
    () => assert.fail('started'),
    (e: unknown) => e,
  );
  assert.ok(objectError instanceof ConfigError);
  assert.ok(objectError.messages.some((m) => m.startsWith('<config object> listeners[0].address: ')));
  assert.ok(objectError.messages.some((m) => /^<config object> services\.app\.algorithm: .*did you mean 'maglev'/.test(m)));
  assert.ok(objectError.problems.every((p) => p.line === 0));

  await assert.rejects(start({ config: '/nonexistent/fulcrum.yaml' }), (e: unknown) => e instanceof ConfigError && /file not found/.test(e.messages[0]!));
  await assert.rejects(start({ config: {}, algorithms: { maglev: lastOne } }), /algorithm 'maglev' is built in/);
});

test('the registered algorithm survives a reload, an admin re-weight and a drain; a bad reload changes nothing', async () => {
  const a = await backend('a');
  const b = await backend('b');
  const c = await backend('c');
  const fulcrum = await start({ config: configText([a.address, b.address], 'last-one', true), algorithms: { 'last-one': lastOne }, admin: true });
  running.push(fulcrum);
  assert.equal(await served(fulcrum), 'b');

  await fulcrum.reload(configText([a.address, b.address, c.address]));
  assert.equal(await served(fulcrum), 'c', 'rebuilt by the reload with the registered algorithm');

  const admin = fulcrum.adminUrl()!;
  const before = builds;
  const weighted = await fetch(`${admin}/api/v1/services/app/backends/${c.address}`, {
    method: 'PATCH',
    body: JSON.stringify({ weight: 5 }),
    headers: { 'content-type': 'application/json' },
  });
  assert.equal(weighted.status, 200, await weighted.text());
  assert.ok(builds > before, 'the re-weight rebuilt the balancer');
  assert.equal(await served(fulcrum), 'c');

  const drained = await fetch(`${admin}/api/v1/services/app/backends/${c.address}`, {
    method: 'PATCH',
    body: JSON.stringify({ drain: true }),
    headers: { 'content-type': 'application/json' },
  });
  assert.equal(drained.status, 200, await drained.text());
  assert.equal(await served(fulcrum), 'b', 'the drained backend is skipped, by the same algorithm');
  assert.equal(fulcrum.service('app')!.algorithm, 'last-one');
  assert.equal(fulcrum.service('app')!.backends.find((x) => x.address === c.address)!.draining, true);

  await assert.rejects(fulcrum.reload(configText([a.address], 'no-such')), ConfigError);
  assert.equal(await served(fulcrum), 'b', 'the running config keeps serving');

  // the admin API's reload goes through the same registry
  const reloaded = await fetch(`${admin}/api/v1/reload`, { method: 'POST' });
  assert.equal(reloaded.status, 200, await reloaded.text());
  assert.equal(fulcrum.service('app')!.algorithm, 'last-one');
});
