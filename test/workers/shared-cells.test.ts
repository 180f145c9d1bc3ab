// The counter cells workers share: one backend's counts seen from every thread, a dead worker's share taken back out.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatConfigError, parseConfigText } from '../../src/config/index.js';
import { Backend } from '../../src/pool/backend.js';
import { REUSE_AFTER_MS, SharedCells, WorkerCells } from '../../src/workers/shared-cells.js';
import { CircuitBreaker } from '../../src/pool/circuit-breaker.js';
import { parseWorkers } from '../../src/workers/count.js';

const config = { address: { host: '127.0.0.1', port: 8080 }, weight: 1, maxConnections: 0 } as const;

describe('shared counter cells', () => {
  test('two workers and the main thread see one set of counts', () => {
    const cells = new SharedCells(2, 8);
    const main = new Backend(config, undefined, cells.cellFor('api', '127.0.0.1:8080'));
    const table = cells.table;
    const w0 = new WorkerCells(cells.buffers, 8, 0);
    const w1 = new WorkerCells(cells.buffers, 8, 1);
    w0.table = w1.table = table;
    const a = new Backend(config, undefined, w0.cellFor('api', '127.0.0.1:8080'));
    const b = new Backend(config, undefined, w1.cellFor('api', '127.0.0.1:8080'));
    a.begin();
    a.begin();
    b.begin();
    assert.equal(main.active, 3);
    assert.equal(b.inflight, 3);
    assert.equal(main.total, 3);
    b.finish();
    assert.equal(a.active, 2);
  });

  test("a dead worker's requests in progress leave the counts; what it counted in total stays", () => {
    const cells = new SharedCells(2, 8);
    const main = new Backend(config, undefined, cells.cellFor('api', '127.0.0.1:8080'));
    const w0 = new WorkerCells(cells.buffers, 8, 0);
    const w1 = new WorkerCells(cells.buffers, 8, 1);
    w0.table = w1.table = cells.table;
    const a = new Backend(config, undefined, w0.cellFor('api', '127.0.0.1:8080'));
    const b = new Backend(config, undefined, w1.cellFor('api', '127.0.0.1:8080'));
    for (let i = 0; i < 5; i++) a.begin();
    b.begin();
    a.tunnel(1);
    cells.release(0);
    assert.equal(main.active, 1, "only worker 1's request is in progress");
    assert.equal(main.inflight, 1);
    assert.equal(main.total, 6);
  });

  test('a backend the table does not know counts on its own', () => {
    const cells = new SharedCells(1, 8);
    const w0 = new WorkerCells(cells.buffers, 8, 0);
    const lone = new Backend(config, undefined, w0.cellFor('api', '10.0.0.1:1'));
    lone.begin();
    assert.equal(lone.active, 1);
    assert.equal(new Backend(config, undefined, cells.cellFor('api', '127.0.0.1:8080')).active, 0);
  });

  test('a gone backend’s slot is handed out again after REUSE_AFTER_MS unused, from zero; one with work in flight is kept', () => {
    const cells = new SharedCells(1, 2);
    const gone = new Backend(config, undefined, cells.cellFor('api', '10.0.0.1:80'));
    const busy = new Backend(config, undefined, cells.cellFor('api', '10.0.0.2:80'));
    gone.begin();
    gone.finish();
    busy.begin();
    const live = new Set<string>();
    cells.collect(live, 0);
    cells.collect(live, REUSE_AFTER_MS - 1);
    assert.equal(cells.table.size, 2, 'not before the wait');
    cells.collect(live, REUSE_AFTER_MS);
    assert.deepEqual([...cells.table.keys()], ['api\u000010.0.0.2:80'], 'the one with a request in flight stays');
    const fresh = new Backend(config, undefined, cells.cellFor('api', '10.0.0.3:80'));
    assert.equal(fresh.total, 0, 'the reused slot starts from zero');
    assert.equal(busy.active, 1);
    fresh.begin();
    assert.equal(busy.active, 1, 'a different slot from the busy one');
  });

  test('two workers’ breakers are one: maxRequests and a trip hold across them', () => {
    const cells = new SharedCells(2, 8);
    const w0 = new WorkerCells(cells.buffers, 8, 0);
    const w1 = new WorkerCells(cells.buffers, 8, 1);
    const breakerConfig = { maxConnections: 0, maxPending: 0, maxRequests: 3, errorRatio: 0.5, minRequests: 3, window: 10_000, latency: 0, openFor: 1_000, halfOpenRequests: 1 };
    const main = new CircuitBreaker(breakerConfig, undefined, cells.breakerCellFor('api'));
    w0.table = w1.table = cells.table;
    const a = new CircuitBreaker(breakerConfig, undefined, w0.breakerCellFor('api'));
    const b = new CircuitBreaker(breakerConfig, undefined, w1.breakerCellFor('api'));
    assert.equal(a.admit(), '');
    assert.equal(b.admit(), '');
    assert.equal(a.admit(), '');
    assert.equal(b.admit(), 'max-requests', 'the third in flight anywhere is the limit');
    cells.release(0); // worker 0 dies with two in flight
    assert.equal(main.requests, 1);
    assert.equal(a.admit(), '');
    assert.equal(b.admit(), '');
    a.done('success', 200, 1);
    b.done('failure', 0, 1);
    b.done('failure', 0, 1);
    assert.equal(main.stateName, 'open', 'failures seen by either worker trip the one breaker');
    assert.equal(a.admit(), 'open');
    assert.equal(main.trips, 1);
    assert.equal(main.refusedBy['max-requests'] + main.refusedBy.open, 2);
  });

  test('total counts past 2^31 without going negative', () => {
    const cells = new SharedCells(1, 8);
    const w0 = new WorkerCells(cells.buffers, 8, 0);
    const backend = new Backend(config, undefined, cells.cellFor('api', '127.0.0.1:8080'));
    w0.table = cells.table;
    const worker = new Backend(config, undefined, w0.cellFor('api', '127.0.0.1:8080'));
    new Int32Array(cells.buffers.backends, 0, 4)[2] = -2; // TOTAL: 2^32 - 2 as unsigned
    worker.begin();
    worker.begin();
    assert.equal(backend.total, 2 ** 32);
  });
});

describe('workers setting', () => {
  test('workers: auto, a number from 1; 0 is refused with its path', () => {
    const base = 'listeners: [ { name: web, address: 127.0.0.1:0, protocol: http, routes: [ { service: a } ] } ]\nservices: { a: { backends: [ { address: 127.0.0.1:1 } ] } }\n';
    for (const value of ['auto', '4']) {
      const parsed = parseConfigText(`workers: ${value}\n${base}`, 'w.yaml');
      assert.ok(parsed.ok);
      assert.equal(parsed.config.workers, value === 'auto' ? 'auto' : 4);
    }
    const bad = parseConfigText(`workers: 0\n${base}`, 'w.yaml');
    assert.ok(!bad.ok);
    assert.match(bad.errors.map(formatConfigError).join('\n'), /w\.yaml:1:\d+ workers: /);
    assert.equal(parseWorkers('auto'), 'auto');
    assert.equal(parseWorkers('3'), 3);
    assert.throws(() => parseWorkers('two'), /--workers: expected auto or a whole number/);
  });
});
