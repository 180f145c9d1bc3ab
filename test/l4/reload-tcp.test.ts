// Reloading a tcp listener keeps its socket and its live sessions: what a reload changes (idle
// timeout, the service's backends, the service itself) applies to new connections; a session on a
// backend that left is closed after the service's drainTimeout; a removed listener stops accepting
// and lets its sessions go on until the grace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type { Fulcrum } from '../../src/fulcrum.js';
import type { TcpListener } from '../../src/l4/tcp-listener.js';
import { portOf, startFulcrum } from '../helpers/fulcrum.js';
import { ConnectLoop, LineClient, parse, startNamedBackend, type NamedBackend } from './line-peers.js';

function tcpConfig(options: { idle: string; backends: NamedBackend[]; service?: string; listener?: string; drainTimeout?: string }): string {
  const backends = options.backends.map((b) => `{ address: "127.0.0.1:${b.port}" }`).join(', ');
  const service = options.service ?? 'pool';
  return [
    'listeners:',
    `  - { name: ${options.listener ?? 'db'}, address: "127.0.0.1:0", protocol: tcp, service: ${service}, timeouts: { idle: ${options.idle} } }`,
    'services:',
    `  ${service}: { algorithm: round-robin, drainTimeout: ${options.drainTimeout ?? '30s'}, backends: [ ${backends} ] }`,
  ].join('\n');
}

function tcpListener(fulcrum: Fulcrum, name: string): TcpListener {
  return (fulcrum as unknown as { listeners: Map<string, TcpListener> }).listeners.get(name)!;
}

/** Connects until a session lands on each of `names` (round robin: a few tries). */
async function sessionsOn(port: number, names: string[]): Promise<Map<string, LineClient>> {
  const found = new Map<string, LineClient>();
  for (let i = 0; i < names.length * 4 && found.size < names.length; i++) {
    const client = await LineClient.connect(port);
    const name = (await client.ask('who')).split(' ')[0]!;
    if (names.includes(name) && !found.has(name)) found.set(name, client);
    else client.close();
  }
  assert.deepEqual([...found.keys()].sort(), [...names].sort(), 'a session on each backend');
  return found;
}

test('20 live tcp sessions survive 10 reloads of idle timeout and backends; new connections get the new ones; the socket never unbinds', async () => {
  const generations: NamedBackend[][] = [];
  for (let g = 0; g <= 10; g++) generations.push(await Promise.all([startNamedBackend(`g${g}a`), startNamedBackend(`g${g}b`)]));
  const fulcrum = await startFulcrum(tcpConfig({ idle: '60s', backends: generations[0]! }));
  const port = portOf(fulcrum, 'db');
  const server = tcpListener(fulcrum, 'db').server;
  const sessions: Array<{ client: LineClient; backend: string }> = [];
  try {
    for (let i = 0; i < 20; i++) {
      const client = await LineClient.connect(port);
      const answer = await client.ask(`hello ${i}`);
      const backend = answer.split(' ')[0]!;
      assert.match(backend, /^g0[ab]$/);
      sessions.push({ client, backend });
    }
    assert.equal(new Set(sessions.map((s) => s.backend)).size, 2, 'the sessions are spread over both first backends');

    const loop = new ConnectLoop(port);
    for (let g = 1; g <= 10; g++) {
      const result = await fulcrum.reload(parse(tcpConfig({ idle: g === 10 ? '400ms' : `${60 + g}s`, backends: generations[g]! })));
      assert.ok(result.ok, JSON.stringify(result));
      assert.deepEqual(result.listeners.updated, ['db']);
      assert.deepEqual(result.listeners.rebound, []);
      assert.equal(portOf(fulcrum, 'db'), port);
      assert.equal(tcpListener(fulcrum, 'db').server, server, 'the same server socket');
      assert.ok(server.listening);
      for (const [i, { client, backend }] of sessions.entries()) {
        assert.equal(await client.ask(`reload ${g} session ${i}`), `${backend} reload ${g} session ${i}`, `session ${i} after reload ${g}`);
      }
    }
    await loop.stop();
    assert.equal(loop.refused, 0, 'no connection refused during the reloads');
    assert.deepEqual(loop.otherErrors, []);
    assert.ok(loop.connected >= 10, `the loop connected throughout (${loop.connected} connections)`);

    // new connections: the last backends, and the last idle timeout (400ms) while the old sessions keep 60s
    const fresh = await Promise.all([0, 1, 2, 3].map(() => LineClient.connect(port)));
    const names = await Promise.all(fresh.map(async (client, i) => (await client.ask(`new ${i}`)).split(' ')[0]));
    assert.deepEqual([...new Set(names)].sort(), ['g10a', 'g10b'], 'new connections go to the new backends');
    const quietSince = Date.now();
    await Promise.all(fresh.map((client) => client.whenClosed()));
    const idle = Date.now() - quietSince;
    assert.ok(idle >= 300 && idle < 3_000, `new connections closed after the new idle timeout (${idle} ms)`);
    for (const [i, { client, backend }] of sessions.entries()) {
      assert.equal(client.closed, false, `old session ${i} is still open after ${Date.now() - quietSince} ms of silence`);
      assert.equal(await client.ask(`still ${i}`), `${backend} still ${i}`);
    }
    const service = fulcrum.services.get('pool')!;
    assert.deepEqual(
      service.backends.map((b) => b.id),
      generations[10]!.map((b) => `127.0.0.1:${b.port}`),
    );
  } finally {
    for (const { client } of sessions) client.close();
    await fulcrum.close();
    await Promise.all(generations.flat().map((b) => b.close()));
  }
});

test('a session whose backend (or service) is removed by a reload is closed after the drainTimeout; the others go on', async () => {
  const [leaving, kept, added] = await Promise.all([startNamedBackend('leaving'), startNamedBackend('kept'), startNamedBackend('added')]);
  const fulcrum = await startFulcrum(tcpConfig({ idle: '60s', backends: [leaving, kept], drainTimeout: '500ms' }));
  const port = portOf(fulcrum, 'db');
  const clients: LineClient[] = [];
  try {
    const on = await sessionsOn(port, ['leaving', 'kept']);
    clients.push(...on.values());
    const onLeaving = on.get('leaving')!;
    const onKept = on.get('kept')!;

    let result = await fulcrum.reload(parse(tcpConfig({ idle: '60s', backends: [kept, added], drainTimeout: '500ms' })));
    assert.ok(result.ok);
    const removedAt = Date.now();
    assert.equal(await onLeaving.ask('right after'), 'leaving right after', 'the removed backend drains: its session goes on for now');
    await onLeaving.whenClosed();
    const drained = Date.now() - removedAt;
    assert.ok(drained >= 450 && drained < 3_000, `closed after the drain timeout (${drained} ms)`);
    assert.equal(await onKept.ask('after drain'), 'kept after drain', 'a session on a kept backend goes on');

    // the listener now points at another service; the old one is removed with its backends
    result = await fulcrum.reload(parse(tcpConfig({ idle: '60s', backends: [added], service: 'other', drainTimeout: '500ms' })));
    assert.ok(result.ok);
    assert.deepEqual(result.services.removed, ['pool']);
    const retiredAt = Date.now();
    const onAdded = await LineClient.connect(port);
    clients.push(onAdded);
    assert.equal(await onAdded.ask('x'), 'added x', 'a new connection goes to the new service');
    assert.equal(await onKept.ask('y'), 'kept y', 'the session on the removed service goes on until the drain timeout');
    await onKept.whenClosed();
    const retired = Date.now() - retiredAt;
    assert.ok(retired >= 450 && retired < 3_000, `closed after the removed service's drain timeout (${retired} ms)`);

    // the listener leaves (renamed: port 0 listeners are matched by name): it stops accepting,
    // its session goes on until the grace (the longest drainTimeout), then is closed
    result = await fulcrum.reload(parse(tcpConfig({ idle: '60s', backends: [added], service: 'other', listener: 'db2', drainTimeout: '500ms' })));
    assert.ok(result.ok);
    assert.deepEqual(result.listeners.removed, ['db']);
    const leftAt = Date.now();
    const refused = await new Promise<string>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve('connected')));
      socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
    });
    assert.equal(refused, 'ECONNREFUSED', 'the removed listener stopped accepting');
    assert.equal(await onAdded.ask('z'), 'added z', 'its live session goes on');
    await onAdded.whenClosed();
    const grace = Date.now() - leftAt;
    assert.ok(grace >= 400 && grace < 3_000, `closed at the grace (${grace} ms)`);
  } finally {
    for (const client of clients) client.close();
    await fulcrum.close();
    await Promise.all([leaving.close(), kept.close(), added.close()]);
  }
});
