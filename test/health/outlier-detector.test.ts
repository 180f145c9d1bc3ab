import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Backend } from '../../src/pool/backend.js';
import type { PassiveHealthConfig } from '../../src/config/types.js';
import { OutlierDetector } from '../../src/health/outlier-detector.js';
import { backends } from '../balancing/helpers.js';

const config = (overrides: Partial<PassiveHealthConfig> = {}): PassiveHealthConfig => ({
  maxFails: 3,
  failTimeout: 1_000,
  on5xx: false,
  maxEjectionPercent: 50,
  maxEjectionTime: 2_500,
  ...overrides,
});

function detector(list: Backend[], overrides: Partial<PassiveHealthConfig> = {}, now = () => 0) {
  const events: string[] = [];
  const d = new OutlierDetector(
    config(overrides),
    list,
    {
      ejected: (b, reason, ms) => events.push(`ejected ${b.id} ${ms} ${reason}`),
      returned: (b) => events.push(`returned ${b.id}`),
    },
    now,
  );
  return { d, events };
}

describe('outlier detection', () => {
  it('ejects after maxFails consecutive failures; a success in between starts the count over', () => {
    const list = backends([1, 1, 1, 1]);
    const { d, events } = detector(list);
    const b = list[0]!;
    d.record(b, 'connect-failure', 0);
    d.record(b, 'timeout', 0);
    d.record(b, 'success', 200);
    d.record(b, 'cancelled', 0); // the client left: says nothing
    d.record(b, 'connect-failure', 0);
    d.record(b, 'connect-failure', 0);
    assert.equal(b.ejected, false);
    d.record(b, 'connect-failure', 0);
    assert.equal(b.ejected, true);
    assert.equal(b.available(), false);
    assert.deepEqual(events, ['ejected b0:80 1000 3 consecutive failures (last: connect failure)']);
    d.stop();
  });

  it('counts 5xx only with on5xx', () => {
    const list = backends([1, 1]);
    const off = detector(list);
    for (let i = 0; i < 5; i++) off.d.record(list[0]!, 'success', 503);
    assert.equal(list[0]!.ejected, false);
    const on = detector(list, { on5xx: true });
    for (let i = 0; i < 3; i++) on.d.record(list[0]!, 'success', 500);
    assert.equal(list[0]!.ejected, true);
    assert.match(on.events[0]!, /last: 500 response/);
    on.d.stop();
  });

  it('ejects for failTimeout × the number of ejections, capped at maxEjectionTime', () => {
    let now = 0;
    const list = backends([1, 1]);
    const { d } = detector(list, {}, () => now);
    const b = list[0]!;
    const lengths: number[] = [];
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < 3; i++) d.record(b, 'timeout', 0);
      lengths.push(b.ejectedUntil - now);
      now = b.ejectedUntil;
      b.ejected = false; // as the timer would
    }
    assert.deepEqual(lengths, [1_000, 2_000, 2_500, 2_500]);
    // a backend that stays clean for maxEjectionTime starts over at failTimeout
    now += 2_501;
    for (let i = 0; i < 3; i++) d.record(b, 'timeout', 0);
    assert.equal(b.ejectedUntil - now, 1_000);
    d.stop();
  });

  it('ejects at most maxEjectionPercent of the service, and at least one backend', () => {
    const list = backends([1, 1, 1, 1, 1]);
    const { d } = detector(list, { maxEjectionPercent: 50 });
    for (const b of list) for (let i = 0; i < 3; i++) d.record(b, 'connect-failure', 0);
    assert.equal(list.filter((b) => b.ejected).length, 2, 'floor(5 × 50%)');
    d.stop();
    const few = backends([1, 1, 1]);
    const low = detector(few, { maxEjectionPercent: 10 });
    for (const b of few) for (let i = 0; i < 3; i++) low.d.record(b, 'connect-failure', 0);
    assert.equal(few.filter((b) => b.ejected).length, 1);
    low.d.stop();
  });

  it('returns an ejected backend when its time is up', async () => {
    const list = backends([1, 1]);
    const events: string[] = [];
    const returned = new Promise<void>((resolve) => {
      const d = new OutlierDetector(config({ failTimeout: 30, maxEjectionTime: 100 }), list, {
        ejected: () => events.push('ejected'),
        returned: () => {
          events.push('returned');
          resolve();
        },
      });
      for (let i = 0; i < 3; i++) d.record(list[1]!, 'failure', 0);
    });
    const keepAlive = setInterval(() => {}, 1_000); // the ejection timer is unref'd
    await returned;
    clearInterval(keepAlive);
    assert.deepEqual(events, ['ejected', 'returned']);
    assert.equal(list[1]!.ejected, false);
  });
});
