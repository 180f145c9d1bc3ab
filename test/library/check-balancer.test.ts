// `fulcrum/testing`'s checkBalancer: the contract every built-in algorithm passes, run without a
// test runner (it throws) and through one (node:test's `it`), on a custom algorithm and on broken ones.
import { describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import { isEligible, wasTried, type Backend, type Balancer, type BalancerFactory } from '../../src/index.js';
import { ALGORITHMS } from '../../src/config/types.js';
import { balancerFactory } from '../../src/balancing/registry.js';
import { balancerProperties, checkBalancer } from '../../src/testing.js';

/** A correct custom algorithm: the eligible, untried backend with the fewest active connections. */
const fewestActive: BalancerFactory = (backends: readonly Backend[]): Balancer => ({
  name: 'fewest-active',
  usesKey: false,
  pick(_ctx, tried) {
    let best: Backend | undefined;
    for (const b of backends) if (isEligible(b) && !wasTried(tried, b) && (best === undefined || b.active < best.active)) best = b;
    return best;
  },
});

/** Ignores `tried` and availability: the mistakes the contract is there to catch. */
const careless: BalancerFactory = (backends) => ({ name: 'careless', usesKey: false, pick: () => backends[0] });

test('every built-in algorithm passes, run directly (no test runner)', () => {
  for (const name of ALGORITHMS) assert.doesNotThrow(() => checkBalancer(balancerFactory(name), { name }), name);
});

test('a correct custom algorithm passes; its name is checked when given', () => {
  checkBalancer(fewestActive, { name: 'fewest-active' });
  assert.throws(() => checkBalancer(fewestActive, { name: 'other' }), /balancer\.name/);
});

test('a careless algorithm fails, with every failed property listed', () => {
  const error = (() => {
    try {
      checkBalancer(careless);
    } catch (e) {
      return e;
    }
    return undefined;
  })();
  assert.ok(error instanceof AggregateError);
  assert.equal(error.errors.length, 2, error.message);
  assert.match(error.message, /returns undefined when every backend is unavailable/);
  assert.match(error.message, /respects tried/);
});

test('balancerProperties lists the checks by name', () => {
  const names = balancerProperties(fewestActive).map((p) => p.name);
  assert.equal(names.length, 5);
  assert.ok(names.includes('never picks a backend of weight 0 or one that is down or draining'));
});

describe('through a test runner: one test per property', () => {
  checkBalancer(fewestActive, { name: 'fewest-active', test: it });
});
