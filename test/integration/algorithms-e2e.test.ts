// Every balancing algorithm end to end: a running Fulcrum (started from YAML), real node:http
// backends that name themselves, real HTTP requests, and the property that makes each
// algorithm what it is. Load is built with requests the backends hold open until the test
// releases them, so nothing here sleeps to wait for a state.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { Fulcrum } from '../../src/fulcrum.js';
import { portOf, startFulcrum, yaml } from '../helpers/fulcrum.js';
import {
  ask,
  askMany,
  connectTcp,
  startNamedBackend,
  startNamedTcpBackend,
  tally,
  type NamedBackend,
  type NamedBackendOptions,
  type NamedTcpBackend,
  type TcpClient,
} from '../helpers/named-backends.js';

const cleanups: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

interface Setup {
  fulcrum: Fulcrum;
  port: number;
  backends: Map<string, NamedBackend>;
  agent: http.Agent;
}

interface BackendSpec extends NamedBackendOptions {
  name: string;
  weight?: number;
}

/** Backends, then a Fulcrum with one service of `algorithm` over them (extra service fields in `fields`). */
async function setup(algorithm: string, specs: BackendSpec[], fields = ''): Promise<Setup> {
  const backends = new Map<string, NamedBackend>();
  for (const spec of specs) {
    const backend = await startNamedBackend(spec.name, spec);
    backends.set(spec.name, backend);
    cleanups.push(() => backend.close());
    cleanups.push(() => backend.release());
  }
  const list = specs.map((s) => `      - { address: ${backends.get(s.name)!.address}, weight: ${s.weight ?? 1} }`).join('\n');
  const fulcrum = await startFulcrum(
    yaml`
      listeners:
        - name: web
          address: 127.0.0.1:0
          routes: [ { service: svc } ]
      services:
        svc:
          algorithm: ${algorithm}
    ` +
      (fields === '' ? '' : fields.replace(/^/gm, '    ') + '\n') +
      '    backends:\n' +
      list +
      '\n',
  );
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  cleanups.push(() => fulcrum.close());
  cleanups.push(() => agent.destroy());
  return { fulcrum, port: portOf(fulcrum), backends, agent };
}

/** Fires `count` requests to /hold at once (their answers come when the backends release them). */
function holdMany(s: Setup, count: number): Array<Promise<unknown>> {
  return Array.from({ length: count }, (_, i) => {
    const p = ask(s.port, `/hold/${i}`, { agent: s.agent });
    p.catch(() => {}); // settled in after() if a test fails first
    return p;
  });
}

function heldCounts(s: Setup): Record<string, number> {
  return Object.fromEntries([...s.backends.values()].map((b) => [b.name, b.held]));
}

function share(counts: Map<string, number>, name: string, total: number): number {
  return (counts.get(name) ?? 0) / total;
}

const fmt = (counts: Map<string, number>): string => JSON.stringify(Object.fromEntries([...counts].sort()));

describe('every balancing algorithm through a running Fulcrum', () => {
  test('round-robin: strict rotation over the backends', async (t) => {
    const s = await setup('round-robin', [{ name: 'a' }, { name: 'b' }, { name: 'c' }]);
    const seq: string[] = [];
    for (let i = 0; i < 30; i++) seq.push((await ask(s.port, `/r/${i}`, { agent: i % 3 === 0 ? false : s.agent })).name);
    assert.deepEqual(new Set(seq.slice(0, 3)), new Set(['a', 'b', 'c']), seq.join(' '));
    for (let i = 3; i < seq.length; i++) assert.equal(seq[i], seq[i - 3], `position ${i}: ${seq.join(' ')}`);
    t.diagnostic(seq.slice(0, 9).join(' '));
  });

  test('weighted-round-robin: weights 5,1,1 give a a b a c a a, again and again', async (t) => {
    const s = await setup('weighted-round-robin', [
      { name: 'a', weight: 5 },
      { name: 'b', weight: 1 },
      { name: 'c', weight: 1 },
    ]);
    const seq: string[] = [];
    for (let i = 0; i < 21; i++) seq.push((await ask(s.port, `/w/${i}`, { agent: s.agent })).name);
    assert.equal(seq.join(' '), 'a a b a c a a a a b a c a a a a b a c a a');
    t.diagnostic(seq.join(' '));
  });

  for (const algorithm of ['least-connections', 'least-requests']) {
    test(`${algorithm}: a backend holding in-flight requests gets no new ones until they finish`, async (t) => {
      const s = await setup(algorithm, [{ name: 'a' }, { name: 'b' }, { name: 'c' }]);
      const [a, b, c] = [...s.backends.values()] as [NamedBackend, NamedBackend, NamedBackend];
      // 15 requests held at once: ties take turns, so 5 each; then b and c finish theirs
      const holds = holdMany(s, 15);
      await Promise.all([a.waitHeld(5), b.waitHeld(5), c.waitHeld(5)]);
      assert.deepEqual(heldCounts(s), { a: 5, b: 5, c: 5 });
      b.release();
      c.release();
      // a still holds 5: 40 new requests (8 at a time, so never more than 8 in flight on b + c) avoid it
      const names = await askMany(s.port, 40, 8, (i) => [`/n/${i}`, { agent: s.agent }]);
      const counts = tally(names);
      assert.equal(counts.get('a') ?? 0, 0, fmt(counts));
      assert.ok((counts.get('b') ?? 0) >= 12 && (counts.get('c') ?? 0) >= 12, fmt(counts));
      // once a's requests are done it is back in the rotation
      a.release();
      await Promise.all(holds);
      const back = tally(await askMany(s.port, 30, 1, (i) => [`/m/${i}`, { agent: s.agent }]));
      assert.ok((back.get('a') ?? 0) >= 8, fmt(back));
      t.diagnostic(`a holding 5: ${fmt(counts)}; after release: ${fmt(back)}`);
    });
  }

  test('least-response-time: a backend 10× slower gets clearly fewer of the next requests', async (t) => {
    const s = await setup('least-response-time', [
      { name: 'slow', delayMs: 100 },
      { name: 'b', delayMs: 10 },
      { name: 'c', delayMs: 10 },
    ]);
    // warm up: every backend gets latency samples
    await askMany(s.port, 30, 3, (i) => [`/warm/${i}`, { agent: s.agent }]);
    const names = await askMany(s.port, 120, 3, (i) => [`/x/${i}`, { agent: s.agent }]);
    const counts = tally(names);
    const slowShare = share(counts, 'slow', names.length);
    assert.ok(slowShare < 0.15, `slow share ${slowShare.toFixed(3)} (fair 0.333): ${fmt(counts)}`);
    assert.ok((counts.get('b') ?? 0) > 30 && (counts.get('c') ?? 0) > 30, fmt(counts));
    t.diagnostic(fmt(counts));
  });

  test('random: weighted shares follow the weights 3:1 over 400 requests', async (t) => {
    const s = await setup('random', [
      { name: 'a', weight: 3 },
      { name: 'b', weight: 1 },
    ]);
    const names = await askMany(s.port, 400, 8, (i) => [`/x/${i}`, { agent: s.agent }]);
    const counts = tally(names);
    const aShare = share(counts, 'a', names.length);
    assert.ok(aShare > 0.65 && aShare < 0.85, `a share ${aShare.toFixed(3)} (expected 0.75): ${fmt(counts)}`);
    // and it is random, not a rotation: some runs of the light backend twice in a row
    assert.ok(
      names.some((n, i) => n === 'b' && names[i + 1] === 'b'),
      'no two b in a row in 400 random picks',
    );
    t.diagnostic(fmt(counts));
  });

  test('power-of-two: weighted shares follow the weights, and a backend with many in flight is avoided', async (t) => {
    const s = await setup('power-of-two', [
      { name: 'a', weight: 2 },
      { name: 'b', weight: 1 },
      { name: 'c', weight: 1 },
    ]);
    // one at a time, every backend has 0 in flight: the first draw wins, a weighted random pick
    const names = await askMany(s.port, 300, 1, (i) => [`/x/${i}`, { agent: s.agent }]);
    const counts = tally(names);
    const aShare = share(counts, 'a', names.length);
    assert.ok(aShare > 0.4 && aShare < 0.6, `a share ${aShare.toFixed(3)} (expected 0.5): ${fmt(counts)}`);

    // now pin requests on b: it is picked only when both draws are b (1/16)
    const holds = holdMany(s, 24);
    await waitTotalHeld(s, 24);
    const pinned = s.backends.get('b')!.held;
    assert.ok(pinned >= 3, `b holds ${pinned} of 24`);
    s.backends.get('a')!.release();
    s.backends.get('c')!.release();
    const later = tally(await askMany(s.port, 160, 1, (i) => [`/y/${i}`, { agent: s.agent }]));
    const bShare = share(later, 'b', 160);
    assert.ok(bShare < 0.15, `b (holding ${pinned}) share ${bShare.toFixed(3)} (weighted fair 0.25, expected 1/16): ${fmt(later)}`);
    s.backends.get('b')!.release();
    await Promise.all(holds);
    t.diagnostic(`one at a time: ${fmt(counts)}; b holding ${pinned}: ${fmt(later)}`);
  });

  test('ip-hash: each client address keeps its backend; different addresses spread', async (t) => {
    const s = await setup('ip-hash', [{ name: 'a' }, { name: 'b' }, { name: 'c' }, { name: 'd' }]);
    const byIp = new Map<string, Set<string>>();
    for (let host = 1; host <= 40; host++) {
      const ip = `127.0.${host % 3}.${host + 10}`;
      const agent = new http.Agent({ keepAlive: true });
      const seen = new Set<string>();
      for (let i = 0; i < 4; i++) seen.add((await ask(s.port, `/ip/${i}`, { localAddress: ip, agent: i % 2 === 0 ? agent : false })).name);
      agent.destroy();
      byIp.set(ip, seen);
    }
    for (const [ip, seen] of byIp) assert.equal(seen.size, 1, `${ip} reached ${[...seen].join(', ')}`);
    const spread = tally([...byIp.values()].map((seen) => [...seen][0]!));
    assert.ok(spread.size >= 3, `40 addresses reached only ${fmt(spread)}`);
    t.diagnostic(fmt(spread));
  });

  for (const algorithm of ['consistent-hash', 'maglev']) {
    describe(algorithm, () => {
      const KEYS: Array<[string, (key: string, i: number) => [string, { headers?: Record<string, string>; localAddress?: string }]]> = [
        ['header:x-user', (key, i) => [`/p/${i}`, { headers: { 'x-user': key } }]],
        ['cookie:sid', (key, i) => [`/p/${i}`, { headers: { cookie: `theme=dark; sid=${key}; x=${i}` } }]],
        ['query:user', (key, i) => [`/p/${i}?a=${i}&user=${key}`, {}]],
        ['path', (key, i) => [`/objects/${key}?v=${i}`, { headers: { 'x-noise': String(i) } }]],
        ['client-ip', (key, i) => [`/p/${i}`, { localAddress: `127.1.0.${Number(key.slice(1)) + 1}` }]],
      ];
      for (const [hashKey, request] of KEYS) {
        test(`hashKey ${hashKey}: the same key always lands on the same backend, keys spread`, async (t) => {
          const s = await setup(algorithm, [{ name: 'a' }, { name: 'b' }, { name: 'c' }, { name: 'd' }], `hashKey: '${hashKey}'`);
          const byKey = new Map<string, Set<string>>();
          for (let k = 0; k < 40; k++) {
            const key = `k${k}`;
            const seen = new Set<string>();
            for (let i = 0; i < 4; i++) {
              const [path, options] = request(key, i);
              // alternately a fresh connection and a shared keep-alive one (which carries other keys too)
              const answer = await ask(s.port, path, { ...options, agent: i % 2 === 0 || options.localAddress !== undefined ? false : s.agent });
              assert.equal(answer.status, 200);
              seen.add(answer.name);
            }
            byKey.set(key, seen);
          }
          for (const [key, seen] of byKey) assert.equal(seen.size, 1, `${key} reached ${[...seen].join(', ')}`);
          const spread = tally([...byKey.values()].map((seen) => [...seen][0]!));
          assert.ok(spread.size >= 3, `40 keys reached only ${fmt(spread)}`);
          t.diagnostic(fmt(spread));
        });
      }

      test('hashBalanceFactor 150: one hot key under concurrency keeps every backend under the cap', async (t) => {
        const s = await setup(algorithm, [{ name: 'a' }, { name: 'b' }, { name: 'c' }, { name: 'd' }], "hashKey: 'header:x-user'\nhashBalanceFactor: 150");
        const home = (await ask(s.port, '/home', { headers: { 'x-user': 'hot' } })).name;
        const total = 40;
        const holds = Array.from({ length: total }, (_, i) => {
          const p = ask(s.port, `/hold/${i}`, { agent: s.agent, headers: { 'x-user': 'hot' } });
          p.catch(() => {});
          return p;
        });
        await waitTotalHeld(s, total);
        const held = heldCounts(s);
        const cap = Math.ceil((1.5 * total) / 4);
        for (const [name, count] of Object.entries(held)) assert.ok(count <= cap, `${name} holds ${count} > cap ${cap}: ${JSON.stringify(held)}`);
        // the hot key's own backend is filled to the cap before anything walks on
        assert.ok(held[home]! >= cap - 1, `home ${home} holds ${held[home]}: ${JSON.stringify(held)}`);
        for (const b of s.backends.values()) b.release();
        await Promise.all(holds);
        // and without the load, the key is home again
        assert.equal((await ask(s.port, '/again', { agent: s.agent, headers: { 'x-user': 'hot' } })).name, home);
        t.diagnostic(`home ${home}, cap ${cap}: ${JSON.stringify(held)}`);
      });
    });
  }

  test('resource: a backend reporting X-Backend-Load 0.9 gets far less than one reporting 0.1; the header stays inside', async (t) => {
    const s = await setup('resource', [
      { name: 'busy', load: '0.9' },
      { name: 'idle', load: '0.1' },
    ]);
    const first = await ask(s.port, '/first', { agent: s.agent });
    assert.equal(first.headers['x-backend-load'], undefined, 'X-Backend-Load relayed to the client');
    assert.equal(first.headers['x-backend'], first.name, 'other backend headers are relayed');
    // the first two requests carry the reports in; after that the weights are 0.1 : 0.9
    await ask(s.port, '/second', { agent: s.agent });
    const names = await askMany(s.port, 200, 4, (i) => [`/x/${i}`, { agent: s.agent }]);
    const counts = tally(names);
    const busyShare = share(counts, 'busy', names.length);
    assert.ok(busyShare < 0.2, `busy share ${busyShare.toFixed(3)} (expected 0.1): ${fmt(counts)}`);
    assert.ok(busyShare > 0, `busy never probed: ${fmt(counts)}`);
    t.diagnostic(fmt(counts));
  });

  describe('L4 (protocol: tcp)', () => {
    async function tcpSetup(algorithm: string, fields = ''): Promise<{ port: number; backends: NamedTcpBackend[] }> {
      const backends: NamedTcpBackend[] = [];
      for (const name of ['a', 'b', 'c']) {
        const backend = await startNamedTcpBackend(name);
        backends.push(backend);
        cleanups.push(() => backend.close());
      }
      const fulcrum = await startFulcrum(
        yaml`
          listeners:
            - name: db
              address: 127.0.0.1:0
              protocol: tcp
              service: svc
          services:
            svc:
              algorithm: ${algorithm}
        ` +
          (fields === '' ? '' : `    ${fields}\n`) +
          '    backends:\n' +
          backends.map((b) => `      - { address: ${b.address} }`).join('\n') +
          '\n',
      );
      cleanups.push(() => fulcrum.close());
      return { port: portOf(fulcrum, 'db'), backends };
    }

    test('least-connections: open connections are counted, and a backend whose connections ended gets the next ones', async (t) => {
      const { port, backends } = await tcpSetup('least-connections');
      const clients: TcpClient[] = [];
      const close = (): void => {
        for (const client of clients) client.socket.destroy();
      };
      cleanups.push(close);
      for (let i = 0; i < 9; i++) clients.push(await connectTcp(port));
      const first = tally(clients.map((c) => c.name));
      assert.deepEqual(Object.fromEntries([...first].sort()), { a: 3, b: 3, c: 3 });
      // b closes its three; Fulcrum relays the half-close, and once the client has answered
      // with its own, closes the upstream side too (b then sees its sockets close)
      backends[1]!.endAll();
      await Promise.all([...clients.filter((c) => c.name === 'b').map((c) => c.ended), backends[1]!.idle()]);
      const next: TcpClient[] = [];
      for (let i = 0; i < 3; i++) next.push(await connectTcp(port));
      clients.push(...next);
      assert.deepEqual(
        next.map((c) => c.name),
        ['b', 'b', 'b'],
      );
      t.diagnostic(`9 connections: ${fmt(first)}; after b's ended, the next 3: ${next.map((c) => c.name).join(' ')}`);
      close();
    });

    test('maglev on client-ip: each client address keeps its backend', async (t) => {
      const { port } = await tcpSetup('maglev', 'hashKey: client-ip');
      const byIp = new Map<string, Set<string>>();
      for (let host = 1; host <= 24; host++) {
        const ip = `127.2.0.${host}`;
        const seen = new Set<string>();
        for (let i = 0; i < 3; i++) {
          const client = await connectTcp(port, ip);
          seen.add(client.name);
          client.socket.destroy();
        }
        byIp.set(ip, seen);
      }
      for (const [ip, seen] of byIp) assert.equal(seen.size, 1, `${ip} reached ${[...seen].join(', ')}`);
      const spread = tally([...byIp.values()].map((seen) => [...seen][0]!));
      assert.equal(spread.size, 3, `24 addresses reached only ${fmt(spread)}`);
      t.diagnostic(fmt(spread));
    });
  });
});

/** Resolves once the backends hold `total` requests between them. */
async function waitTotalHeld(s: Setup, total: number): Promise<void> {
  for (;;) {
    const held = [...s.backends.values()].reduce((sum, b) => sum + b.held, 0);
    if (held >= total) return;
    await Promise.race([...s.backends.values()].map((b) => b.waitHeld(b.held + 1)));
  }
}
