// An active-passive pair for real (examples/keepalived): keepalived and Fulcrum in two network
// namespaces on one bridge, a client requesting the VIP every 25 ms on a new connection (200 ms
// timeout). kill -9 of the active Fulcrum: its vrrp_script fails, the VIP moves within 5 s; the
// active is back: the VIP returns (preempt); keepalived stopped cleanly on the active: it sends
// priority 0 and the passive takes over in under a second. Skips where namespaces can't be made.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { netnsUnavailable } from './netns.js';
import { failover, startPair, until, type Node, type Pair } from './keepalived-pair.js';

const unavailable = await netnsUnavailable();
const keepalivedMissing = await import('node:fs').then((fs) => !fs.existsSync('/usr/sbin/keepalived'));
const skip = unavailable ?? (keepalivedMissing ? 'keepalived is not installed (/usr/sbin/keepalived; Debian package keepalived)' : false);

describe('keepalived active-passive pair', { skip }, () => {
  let pair: Pair;

  before(async () => {
    pair = await startPair({ keepalivedConf: { a: 'keepalived-active.conf', b: 'keepalived-passive.conf' } });
  });

  after(async () => {
    await pair?.close();
  });

  /** Waits for the first success through `to` after `since`, then a second more, and measures. */
  async function measure(since: number, to: Node, deadlineMs: number) {
    await until(() => pair.results.some((r) => r.t >= since && r.ok && r.by === to), deadlineMs, `the client served through node ${to}\n${pair.logs()}`);
    const first = pair.results.find((r) => r.t >= since && r.ok && r.by === to)!;
    await until(() => Date.now() > first.t + 1000, 2000, 'a second of traffic after');
    return failover(pair.results, since, to)!;
  }

  test('kill -9 of the active Fulcrum: the VIP moves and service is back within 5 s', async (t) => {
    const killed = Date.now();
    pair.fulcrum.a!.kill('SIGKILL');
    const result = await measure(killed, 'b', 10_000);
    t.diagnostic(`kill -9: served through node b ${result.ms} ms after; ${result.failed} of ${result.total} requests failed`);
    assert.ok(await pair.holdsVip('b'), 'node b holds the VIP');
    assert.ok(!(await pair.holdsVip('a')), 'node a gave the VIP up');
    assert.ok(result.ms <= 5000, `service back after ${result.ms} ms`);
  });

  test('Fulcrum back on the active: the VIP returns to it (preempt)', async (t) => {
    await pair.startFulcrum('a');
    const ready = Date.now();
    const result = await measure(ready, 'a', 15_000);
    t.diagnostic(`failback: served through node a ${result.ms} ms after it was ready; ${result.failed} of ${result.total} requests failed`);
    assert.ok(await pair.holdsVip('a'));
  });

  test('keepalived stopped cleanly on the active: the passive takes over in under 1 s', async (t) => {
    const stopped = Date.now();
    pair.keepalived.a!.kill('SIGTERM');
    const result = await measure(stopped, 'b', 5_000);
    t.diagnostic(`keepalived SIGTERM: served through node b ${result.ms} ms after; ${result.failed} of ${result.total} requests failed`);
    assert.ok(await pair.holdsVip('b'));
    assert.ok(result.ms < 1000, `service back after ${result.ms} ms`);
  });
});
