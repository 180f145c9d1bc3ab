// What workers: 2 share beyond the backend counters: rate-limit buckets and connections per client
// (kept by the main thread for every worker), the circuit breaker (shared memory with threads) and
// passive health (failures seen by any worker eject the backend in all of them).
// Run with FULCRUM_WORKERS_LISTEN=cluster to test the fallback (worker processes) on current Node.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { yaml } from '../helpers/fulcrum.js';
import { chooseListenMode } from '../../src/workers/listen-mode.js';
import { type Backend, get, startBackend, startWorkersFrom, until } from './helpers.js';

const mode = await chooseListenMode();
const sharedMemory = mode === 'reuseport';

describe(`workers: 2 share state (${mode})`, () => {
  let quick: Backend;
  let slow: Backend;
  let failing: Backend;
  before(async () => {
    quick = await startBackend('quick');
    slow = await startBackend('slow', true);
    failing = await startBackend('failing', false, 503);
  });
  after(async () => {
    slow.release();
    await Promise.all([quick.close(), slow.close(), failing.close()]);
  });

  test('a rate limit is the instance’s: burst 10 over both workers lets exactly 10 through', async () => {
    const { fulcrum, pool } = await startWorkersFrom(yaml`
      listeners: [ { name: web, address: 127.0.0.1:0, protocol: http, routes: [ { middlewares: [limit], service: api } ] } ]
      services: { api: { backends: [ { address: 127.0.0.1:${quick.port} } ] } }
      middlewares: { limit: { rateLimit: { rate: 1/s, burst: 10 } } }
    `);
    try {
      const port = fulcrum.address('web').port;
      const statuses: number[] = [];
      // one at a time on new connections: the kernel (or the primary) spreads them over both workers
      for (let i = 0; i < 30; i++) statuses.push((await get(port)).status);
      await fulcrum.metrics();
      assert.ok(
        pool.acceptedByWorker().every((n) => n > 0),
        `both workers served: ${pool.acceptedByWorker().join('/')}`,
      );
      assert.equal(statuses.filter((s) => s === 200).length, 10, statuses.join(' '));
      assert.equal(statuses.filter((s) => s === 429).length, 20);
    } finally {
      await fulcrum.close();
    }
  });

  test('maxConnectionsPerClient: 3 holds across workers, and a closed connection gives its place back', async () => {
    const { fulcrum } = await startWorkersFrom(yaml`
      listeners: [ { name: web, address: 127.0.0.1:0, protocol: http, routes: [ { middlewares: [conns], service: api } ] } ]
      services: { api: { backends: [ { address: 127.0.0.1:${quick.port} } ] } }
      middlewares: { conns: { rateLimit: { maxConnectionsPerClient: 3 } } }
    `);
    const agents = Array.from({ length: 6 }, () => new http.Agent({ keepAlive: true, maxSockets: 1 }));
    try {
      const port = fulcrum.address('web').port;
      const statuses: number[] = [];
      for (const agent of agents) statuses.push((await get(port, '/', agent)).status);
      assert.deepEqual(statuses.filter((s) => s === 200).length, 3, statuses.join(' '));
      // the refused ones were closed; closing one of the three held ones frees a place for a new client connection
      const held = agents.filter((_, i) => statuses[i] === 200);
      held[0]!.destroy();
      await until('a place to be free again', async () => (await get(port)).status === 200);
    } finally {
      for (const agent of agents) agent.destroy();
      await fulcrum.close();
    }
  });

  // worker processes keep a breaker each: 5 admitted per process, so 5..10 in all, as the primary
  // happens to hand the 20 connections out (not always 10 and 10); /metrics sums them
  test(`the circuit breaker’s maxRequests: 5 ${sharedMemory ? 'holds across workers' : 'holds in each worker process'}`, async () => {
    const { fulcrum } = await startWorkersFrom(yaml`
      listeners: [ { name: web, address: 127.0.0.1:0, protocol: http, routes: [ { service: api } ] } ]
      services: { api: { backends: [ { address: 127.0.0.1:${slow.port} } ], circuitBreaker: { maxRequests: 5 } } }
    `);
    try {
      const port = fulcrum.address('web').port;
      const before = slow.received;
      const answers = Array.from({ length: 20 }, () => get(port).then((a) => a.status));
      const refused = async (): Promise<number> => {
        const match = /fulcrum_circuit_refused_total\{service="api",reason="max-requests"\} (\d+)$/m.exec(await fulcrum.metrics());
        return match === null ? 0 : Number(match[1]);
      };
      // the refusals are answered at once; the admitted ones wait for release()
      await until('every request admitted or refused', async () => slow.received - before + (await refused()) === 20);
      const admitted = slow.received - before;
      if (sharedMemory) assert.equal(admitted, 5, 'exactly maxRequests reached the backend');
      else assert.ok(admitted >= 5 && admitted <= 10, `at most maxRequests per worker process reached the backend: ${admitted}`);
      slow.release();
      const statuses = await Promise.all(answers);
      assert.equal(statuses.filter((s) => s === 200).length, admitted, statuses.join(' '));
      assert.equal(statuses.filter((s) => s === 503).length, 20 - admitted);
    } finally {
      slow.release();
      await fulcrum.close();
    }
  });

  test('passive health: failures seen by any worker eject the backend in every worker', async () => {
    const { fulcrum } = await startWorkersFrom(yaml`
      listeners: [ { name: web, address: 127.0.0.1:0, protocol: http, routes: [ { service: api } ] } ]
      services:
        api:
          algorithm: round-robin
          backends: [ { address: 127.0.0.1:${quick.port} }, { address: 127.0.0.1:${failing.port} } ]
          passiveHealth: { maxFails: 3, on5xx: true, failTimeout: 30s }
    `);
    try {
      const port = fulcrum.address('web').port;
      const bad = fulcrum.services.get('api')!.backends.find((b) => b.id === `127.0.0.1:${failing.port}`)!;
      const before = failing.received;
      let sent = 0;
      while (!bad.ejected && sent < 60) {
        await get(port);
        sent++;
      }
      assert.ok(bad.ejected, 'the main thread ejected the failing backend');
      // each worker counts its own run of failures: at most maxFails per worker reach it before the ejection
      assert.ok(failing.received - before <= 3 * 2, `failures before the ejection: ${failing.received - before}`);
      await until('every worker to know', async () => {
        const answers = await Promise.all(Array.from({ length: 10 }, () => get(port)));
        return answers.every((a) => a.body === 'quick');
      });
      const after = failing.received;
      const answers = await Promise.all(Array.from({ length: 20 }, () => get(port)));
      assert.ok(
        answers.every((a) => a.status === 200 && a.body === 'quick'),
        answers.map((a) => a.body).join(' '),
      );
      assert.equal(failing.received, after, 'no request reached the ejected backend');
      const text = await fulcrum.metrics();
      assert.match(text, new RegExp(`fulcrum_backend_ejections_total\\{service="api",backend="127.0.0.1:${failing.port}",name=""\\} 1$`, 'm'));
    } finally {
      await fulcrum.close();
    }
  });
});
