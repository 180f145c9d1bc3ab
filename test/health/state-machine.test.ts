import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HealthStateMachine } from '../../src/health/state-machine.js';

describe('HealthStateMachine', () => {
  it('goes down after `fall` failures in a row and up after `rise` successes in a row', () => {
    const machine = new HealthStateMachine(2, 3, 'healthy');
    assert.equal(machine.record(false, 'a'), null);
    assert.equal(machine.record(false, 'b'), null);
    assert.deepEqual(machine.record(false, 'c'), { from: 'healthy', to: 'unhealthy', reason: 'c' });
    assert.equal(machine.record(false), null, 'no second transition while it stays down');
    assert.equal(machine.record(true), null);
    assert.deepEqual(machine.record(true), { from: 'unhealthy', to: 'healthy', reason: 'ok' });
  });

  it('never moves for a flapping backend (alternating results reset the streaks)', () => {
    const machine = new HealthStateMachine(2, 2, 'healthy');
    for (let i = 0; i < 100; i++) assert.equal(machine.record(i % 2 === 0, 'flap'), null);
    const down = new HealthStateMachine(2, 2, 'unhealthy');
    for (let i = 0; i < 100; i++) assert.equal(down.record(i % 2 === 1, 'flap'), null);
  });

  it('decides on the first result from unknown', () => {
    const up = new HealthStateMachine(3, 3);
    assert.deepEqual(up.record(true), { from: 'unknown', to: 'healthy', reason: 'ok' });
    const down = new HealthStateMachine(3, 3);
    assert.deepEqual(down.record(false, 'connect: ECONNREFUSED'), { from: 'unknown', to: 'unhealthy', reason: 'connect: ECONNREFUSED' });
  });
});
