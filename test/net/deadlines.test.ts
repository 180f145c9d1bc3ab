import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import { test } from 'node:test';
import { DeadlineSweeper, type HasDeadline } from '../../src/net/deadlines.js';

/** The sweeper's timer is unref'd (it never keeps a process alive): the test holds the loop open. */
function holdLoop(): () => void {
  const timer = setInterval(() => {}, 1000);
  return () => clearInterval(timer);
}

class Timed extends EventEmitter implements HasDeadline {
  deadline = 0;
  onDeadline(now: number): void {
    this.emit('expired', now);
  }
}

test('at() before the sweeper runs reads the clock; the timeout fires after it, within two ticks', async () => {
  const sweeper = new DeadlineSweeper(20);
  const release = holdLoop();
  try {
    const before = Date.now();
    const item = new Timed();
    item.deadline = sweeper.at(150);
    assert.ok(item.deadline >= before + 150 && item.deadline <= Date.now() + 150, 'no timer yet: the deadline is counted from the system clock');
    sweeper.add(item);
    const [firedAt] = (await once(item, 'expired')) as [number];
    assert.ok(firedAt - before >= 150, `fired ${firedAt - before} ms after arming, not before its 150 ms`);
    assert.equal(item.deadline, 0, 'a fired deadline is cleared');
  } finally {
    release();
    sweeper.stop();
  }
});

test('at() while the sweeper runs uses the clock of the last sweep: never early beyond timer jitter, at most two ticks late', async () => {
  const sweeper = new DeadlineSweeper(20);
  const release = holdLoop();
  try {
    const holder = new Timed();
    sweeper.add(holder); // starts the timer
    await new Promise((resolve) => setTimeout(resolve, 50));
    const armed = Date.now();
    const item = new Timed();
    item.deadline = sweeper.at(100);
    sweeper.add(item);
    const [firedAt] = (await once(item, 'expired')) as [number];
    const after = firedAt - armed;
    assert.ok(after >= 100 - 5, `fired ${after} ms after arming a 100 ms timeout`);
    assert.ok(after <= 100 + 2 * 20 + 50, `fired ${after} ms after arming a 100 ms timeout (two 20 ms ticks + scheduling margin)`);
  } finally {
    release();
    sweeper.stop();
  }
});
