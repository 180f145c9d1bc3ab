import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConsistentHash } from '../../src/balancing/consistent-hash.js';
import type { Backend } from '../../src/pool/backend.js';
import { backend, ctx, options } from './helpers.js';

const KEYS = 100_000;
const fleet = (n: number) => Array.from({ length: n }, (_, i) => backend(`10.0.0.${i + 1}:8080`));

function assignments(list: Backend[]): string[] {
  const balancer = new ConsistentHash(list, options());
  const c = ctx();
  const out: string[] = [];
  for (let i = 0; i < KEYS; i++) {
    c.key = `user-${i}`;
    out.push(balancer.pick(c, [])!.id);
  }
  return out;
}

describe('consistent-hash', () => {
  it('adding an 11th backend to 10 moves at most 1.2/11 of keys, all to the new one', (t) => {
    const ten = fleet(10);
    const eleven = [...ten, backend('10.0.0.11:8080')];
    const before = assignments(ten);
    const after = assignments(eleven);
    let moved = 0;
    for (let i = 0; i < KEYS; i++) {
      if (before[i] === after[i]) continue;
      moved++;
      assert.equal(after[i], '10.0.0.11:8080', `key ${i} moved between old backends`);
    }
    t.diagnostic(`moved ${moved} of ${KEYS} keys = ${((moved / KEYS) * 11).toFixed(3)} × 1/11`);
    assert.ok(moved <= (1.2 / 11) * KEYS, `moved ${moved}`);
    assert.ok(moved > 0);
  });

  it('removing one backend moves only its keys', () => {
    const ten = fleet(10);
    const before = assignments(ten);
    const gone = ten[3]!.id;
    const after = assignments(ten.filter((_, i) => i !== 3));
    for (let i = 0; i < KEYS; i++) {
      if (before[i] !== gone) assert.equal(after[i], before[i], `key ${i} moved without cause`);
      else assert.notEqual(after[i], gone);
    }
  });

  it('does not depend on the order of the backend list', () => {
    const list = fleet(10);
    assert.deepEqual(assignments(list), assignments([...list].reverse()));
  });

  it("sends a down backend's keys to the next point, and only those", () => {
    const list = fleet(10);
    const before = assignments(list);
    list[2]!.healthy = false;
    const after = assignments(list);
    for (let i = 0; i < KEYS; i++) if (before[i] !== list[2]!.id) assert.equal(after[i], before[i]);
  });
});
