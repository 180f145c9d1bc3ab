// CallDeadlines: one timer for every waiting call. Calls answered in time are never expired; calls
// still waiting at their deadline are, in order; the queue empties.
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { test } from 'node:test';
import { CallDeadlines, type Deadline } from '../../src/state/call-deadlines.js';

interface Call extends Deadline {
  id: number;
}

test('only unsettled calls expire, each at (not before) its deadline, in the order made', async () => {
  const expired: Array<{ id: number; late: number }> = [];
  let done: () => void = () => undefined;
  const all = new Promise<void>((resolve) => {
    done = resolve;
  });
  const deadlines = new CallDeadlines<Call>(30, (call) => {
    expired.push({ id: call.id, late: performance.now() - call.deadline });
    call.settled = true;
    if (expired.length === 50) done();
  });
  const calls: Call[] = [];
  for (let i = 0; i < 100; i++) {
    const call: Call = { id: i, deadline: 0, settled: false };
    deadlines.add(call);
    calls.push(call);
  }
  // every odd call is answered in time
  for (const call of calls) if (call.id % 2 === 1) call.settled = true;
  // the store's timer is unref'd (it never keeps a process alive): keep this test's loop alive meanwhile
  const keepAlive = setTimeout(() => undefined, 10_000);
  await all;
  clearTimeout(keepAlive);
  assert.deepEqual(
    expired.map((e) => e.id),
    calls.filter((c) => c.id % 2 === 0).map((c) => c.id),
  );
  for (const { late } of expired) assert.ok(late >= -0.5, `expired ${late} ms before its deadline`);
  assert.equal(deadlines.size, 0, 'the queue is empty once everything is due');
});

test('expireAll settles whatever is still waiting (closing)', () => {
  const expired: number[] = [];
  const deadlines = new CallDeadlines<Call>(10_000, (call) => expired.push(call.id));
  deadlines.add({ id: 1, deadline: 0, settled: false });
  deadlines.add({ id: 2, deadline: 0, settled: true });
  deadlines.add({ id: 3, deadline: 0, settled: false });
  deadlines.expireAll();
  assert.deepEqual(expired, [1, 3]);
  assert.equal(deadlines.size, 0);
});
