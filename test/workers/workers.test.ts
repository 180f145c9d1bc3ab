// workers: 2 on real sockets: both workers serve, counters are the instance's (threads: shared
// memory), /metrics sums every worker, reloads under load fail nothing, a killed worker is replaced.
// Run with FULCRUM_WORKERS_LISTEN=cluster to test the fallback (worker processes) on current Node.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { parseConfigText } from '../../src/config/index.js';
import { yaml } from '../helpers/fulcrum.js';
import { startLoad } from '../helpers/load.js';
import { chooseListenMode } from '../../src/workers/listen-mode.js';
import { type Backend, get, startBackend, startWorkersFrom, until } from './helpers.js';

const mode = await chooseListenMode();
/** worker threads share the counters; worker processes (the fallback) count each their own */
const sharedCounters = mode === 'reuseport';

describe(`workers: 2 (${mode})`, () => {
  let quick: Backend;
  let slow: Backend;
  before(async () => {
    quick = await startBackend('quick');
    slow = await startBackend('slow', true);
  });
  after(async () => {
    slow.release();
    await Promise.all([quick.close(), slow.close()]);
  });

  test('both workers take connections; /metrics sums the requests of both', async () => {
    const { fulcrum, pool } = await startWorkersFrom(yaml`
      listeners: [ { name: web, address: 127.0.0.1:0, protocol: http, routes: [ { service: api } ] } ]
      services: { api: { backends: [ { address: 127.0.0.1:${quick.port} } ] } }
    `);
    try {
      const port = fulcrum.address('web').port;
      const sent = 200;
      for (let i = 0; i < sent; i += 20) {
        const answers = await Promise.all(Array.from({ length: 20 }, () => get(port)));
        assert.ok(answers.every((a) => a.status === 200 && a.body === 'quick'));
      }
      const text = await fulcrum.metrics();
      const total = [...text.matchAll(/^fulcrum_requests_total\{[^}]*code="2xx"\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
      assert.equal(total, sent, '/metrics counts every request of every worker');
      const accepted = pool.acceptedByWorker();
      assert.equal(
        accepted.reduce((a, b) => a + b, 0),
        sent,
      );
      assert.ok(
        accepted.every((n) => n > 0),
        `each worker accepted connections: ${accepted.join(', ')}`,
      );
    } finally {
      await fulcrum.close();
    }
  });

  test('least-connections is global: requests held through any worker send new ones to the idle backend', { skip: !sharedCounters && 'worker processes count per process' }, async () => {
    const { fulcrum } = await startWorkersFrom(yaml`
      listeners: [ { name: web, address: 127.0.0.1:0, protocol: http, routes: [ { service: api } ] } ]
      services:
        api:
          algorithm: least-connections
          backends: [ { address: 127.0.0.1:${slow.port} }, { address: 127.0.0.1:${quick.port} } ]
    `);
    try {
      const port = fulcrum.address('web').port;
      const slowBackend = fulcrum.services.get('api')!.backends[0]!;
      // one request held on the slow backend (first in the list: least-connections' tie goes to it)
      const held = get(port);
      await until('a request held', () => slow.held.length === 1);
      assert.equal(slowBackend.active, 1, 'the main thread sees the request held by a worker');
      // per-worker counts would leave the other worker at 0/0 and its tie would go to the slow backend
      const before = slow.received;
      // one at a time, each on a new connection (so over both workers): the quick backend is at 0, the slow one at 1
      const quickBackend = fulcrum.services.get('api')!.backends[1]!;
      const bodies = new Set<string>();
      for (let i = 0; i < 40; i++) {
        bodies.add((await get(port)).body);
        // a worker counts a request done just after its last byte: at 1/1 the tie could go either way
        await until('the quick backend to be idle again', () => quickBackend.active === 0);
      }
      assert.deepEqual(bodies, new Set(['quick']), 'every new request went to the idle backend');
      assert.equal(slow.received, before);
      slow.release();
      await held;
      await until('the counters to fall back', () => slowBackend.active === 0);
    } finally {
      slow.release();
      await fulcrum.close();
    }
  });

  test('maxConnections: 10 on a backend holds across workers', { skip: !sharedCounters && 'worker processes count per process' }, async () => {
    const { fulcrum } = await startWorkersFrom(yaml`
      listeners: [ { name: web, address: 127.0.0.1:0, protocol: http, routes: [ { service: api } ] } ]
      services: { api: { backends: [ { address: 127.0.0.1:${slow.port}, maxConnections: 10 } ] } }
    `);
    try {
      const port = fulcrum.address('web').port;
      const before = slow.received;
      let answered = 0;
      const answers = Array.from({ length: 30 }, () => get(port).finally(() => answered++));
      await until('10 requests held and 20 answered', () => slow.held.length === 10 && answered === 20, 5000).catch((error: Error) => {
        throw new Error(`${error.message}: ${slow.held.length} held, ${answered} answered`);
      });
      assert.equal(slow.received - before, 10, 'only 10 reached the backend');
      slow.release();
      const all = await Promise.all(answers);
      assert.equal(all.filter((a) => a.status === 200).length, 10);
      assert.equal(all.filter((a) => a.status === 503).length, 20, 'the other 20 were refused, whichever worker took them');
    } finally {
      slow.release();
      await fulcrum.close();
    }
  });

  test('20 reloads under load: nothing fails', async () => {
    const text = (weight: number) => yaml`
      listeners: [ { name: web, address: 127.0.0.1:0, protocol: http, routes: [ { service: api } ] } ]
      services: { api: { backends: [ { address: 127.0.0.1:${quick.port}, weight: ${weight} } ] } }
    `;
    const { fulcrum } = await startWorkersFrom(text(1));
    try {
      const load = startLoad(fulcrum.address('web').port, 200);
      for (let i = 0; i < 20; i++) {
        const parsed = parseConfigText(text(2 + (i % 5)), 'test.yaml');
        assert.ok(parsed.ok);
        const result = await fulcrum.reload(parsed.config);
        assert.ok(result.ok);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const report = await load.stop();
      assert.ok(report.sent > 100, `load ran: ${report.sent}`);
      assert.equal(report.failed + report.refused, 0, report.errors.join('; '));
      assert.equal(fulcrum.services.get('api')!.backends[0]!.weight, 2 + (19 % 5));
    } finally {
      await fulcrum.close();
    }
  });

  test('a killed worker is replaced; connections on the other go on', async () => {
    const { fulcrum, pool } = await startWorkersFrom(yaml`
      listeners: [ { name: web, address: 127.0.0.1:0, protocol: http, routes: [ { service: api } ] } ]
      services: { api: { backends: [ { address: 127.0.0.1:${quick.port} } ] } }
    `);
    try {
      const port = fulcrum.address('web').port;
      // keep-alive connections, spread over both workers
      const agents = Array.from({ length: 12 }, () => new http.Agent({ keepAlive: true, maxSockets: 1 }));
      for (const agent of agents) assert.equal((await get(port, '/', agent)).status, 200);
      const victim = pool.worker(0)!;
      victim.kill();
      await until('worker 0 to be replaced', () => pool.worker(0) !== null && pool.worker(0) !== victim);
      const after = await Promise.all(
        agents.map((agent) =>
          get(port, '/', agent).then(
            (a) => a.status,
            () => 0,
          ),
        ),
      );
      assert.ok(after.includes(200), `connections on the surviving worker still answer: ${after.join(' ')}`);
      await until('the new worker to serve', async () => {
        await fulcrum.metrics();
        return pool.acceptedByWorker().length === 2;
      });
      const fresh = await Promise.all(Array.from({ length: 20 }, () => get(port)));
      assert.ok(fresh.every((a) => a.status === 200));
      for (const agent of agents) agent.destroy();
    } finally {
      await fulcrum.close();
    }
  });
});
