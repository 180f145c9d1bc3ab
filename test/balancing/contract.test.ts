// The properties every algorithm owes its callers, checked for each one by name.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ALGORITHMS } from '../../src/config/types.js';
import { balancerFactory, implementedAlgorithms } from '../../src/balancing/registry.js';
import { checkBalancer } from '../../src/testing.js';

describe('every algorithm', () => {
  it('is registered under its name', () => {
    assert.deepEqual([...implementedAlgorithms()].sort(), [...ALGORITHMS].sort());
  });

  // the properties themselves are the package's own (`fulcrum/testing`), which users run on theirs
  for (const name of ALGORITHMS) {
    describe(name, () => {
      checkBalancer(balancerFactory(name), { name, test: it });
    });
  }
});
