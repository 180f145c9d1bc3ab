// The availability epoch belongs to the Service: a health change in one service re-checks that
// service's indexed balancers only, never another service's.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Service } from '../../src/pool/service.js';
import { ctx, serviceConfig } from '../balancing/helpers.js';

describe('availability epoch', () => {
  it('moves for the service whose backend changed, not for another service', () => {
    const a = new Service(
      serviceConfig('least-connections', [
        ['10.0.0.1', 1],
        ['10.0.0.2', 1],
      ]),
    );
    const b = new Service(
      serviceConfig('least-connections', [
        ['10.0.1.1', 1],
        ['10.0.1.2', 1],
      ]),
    );
    assert.notEqual(a.availability, b.availability);
    for (const backend of a.backends) assert.equal(backend.availabilityEpoch, a.availability);
    const before = { a: a.availability.value, b: b.availability.value };

    a.backends[0]!.healthy = false;
    assert.ok(a.availability.value > before.a, 'the changed service moves');
    assert.equal(b.availability.value, before.b, 'the other service does not');
    // and the indexed balancer of the changed service saw it: it never picks the unhealthy one
    for (let i = 0; i < 10; i++) assert.equal(a.balancer.pick(ctx(), [])?.id, '10.0.0.2:80');
  });

  it('keeps the same epoch for a backend kept across a reload', () => {
    const service = new Service(serviceConfig('least-connections', [['10.0.0.1', 1]]));
    const kept = service.backends[0]!;
    service.applyConfig(
      serviceConfig('least-connections', [
        ['10.0.0.1', 1],
        ['10.0.0.3', 1],
      ]),
    );
    assert.equal(service.backends[0], kept);
    assert.equal(service.backends[1]!.availabilityEpoch, service.availability);
    const before = service.availability.value;
    kept.draining = true;
    assert.ok(service.availability.value > before);
    assert.equal(service.balancer.pick(ctx(), [])?.id, '10.0.0.3:80');
  });
});
