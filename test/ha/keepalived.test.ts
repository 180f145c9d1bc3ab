// Active-passive pairs for real (examples/keepalived): keepalived and Fulcrum in two network
// namespaces on one bridge, a client requesting the VIP every 25 ms on a new connection (100 ms
// timeout). For each variant: kill -9 of the Fulcrum holding the VIP → its vrrp_script fails, the
// VIP moves and service is back within 5 s; that Fulcrum back → the VIP returns (preempt) or stays
// (nopreempt); keepalived stopped cleanly on the holder → priority 0, the peer serves in under 1 s;
// keepalived back; SIGTERM to the holder's Fulcrum run with --accept-grace → /readyz 503 while it
// still accepts, the VIP moves, and its listener closing later fails nothing.
// Skips where namespaces can't be made.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { netnsUnavailable } from './netns.js';
import { failover, startPair, until, type Node, type Pair } from './keepalived-pair.js';

const unavailable = await netnsUnavailable();
const skip = unavailable ?? (existsSync('/usr/sbin/keepalived') ? false : 'keepalived is not installed (/usr/sbin/keepalived; Debian package keepalived)');

const VARIANTS = [
  { name: 'multicast, preempt', conf: { a: 'keepalived-active.conf', b: 'keepalived-passive.conf' }, preempt: true },
  { name: 'unicast peers', conf: { a: 'keepalived-unicast-active.conf', b: 'keepalived-unicast-passive.conf' }, preempt: true },
  { name: 'nopreempt', conf: { a: 'keepalived-nopreempt.conf', b: 'keepalived-nopreempt.conf' }, preempt: false },
] as const;

const other = (node: Node): Node => (node === 'a' ? 'b' : 'a');
/** longer than /readyz's fall (2 s) plus the peer's advert timeout (~3.6 s) */
const ACCEPT_GRACE = ['--accept-grace', '8s'];

for (const variant of VARIANTS) {
  describe(`keepalived pair: ${variant.name}`, { skip }, () => {
    let pair: Pair;
    /** the node holding the VIP */
    let holder: Node = 'a';
    /** the node whose Fulcrum was restarted with --accept-grace */
    let graced: Node | undefined;

    before(async () => {
      pair = await startPair({ keepalivedConf: variant.conf });
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

    test('kill -9 of the Fulcrum holding the VIP: the VIP moves and service is back within 5 s', async (t) => {
      const killed = Date.now();
      pair.fulcrum[holder]!.kill('SIGKILL');
      const result = await measure(killed, other(holder), 10_000);
      t.diagnostic(`kill -9: served through node ${other(holder)} ${result.ms} ms after; ${result.failed} of ${result.total} requests failed`);
      assert.ok(await pair.holdsVip(other(holder)), `node ${other(holder)} holds the VIP`);
      assert.ok(!(await pair.holdsVip(holder)), `node ${holder} gave the VIP up`);
      assert.ok(result.ms <= 5000, `service back after ${result.ms} ms`);
    });

    if (variant.preempt) {
      test('that Fulcrum back: the VIP returns to its node (preempt)', async (t) => {
        await pair.startFulcrum(holder, ACCEPT_GRACE);
        graced = holder;
        const ready = Date.now();
        const result = await measure(ready, holder, 15_000);
        t.diagnostic(`failback: served through node ${holder} ${result.ms} ms after it was ready; ${result.failed} of ${result.total} requests failed`);
        assert.ok(await pair.holdsVip(holder));
      });
    } else {
      test('that Fulcrum back: the VIP stays where it is (nopreempt)', async () => {
        await pair.startFulcrum(holder, ACCEPT_GRACE);
        graced = holder;
        const ready = Date.now();
        // long enough for both scripts to rise (2 s) and a preempting node to take over (~4 s)
        await until(() => Date.now() > ready + 7000, 8000, 'seven seconds');
        const since = pair.results.filter((r) => r.t >= ready);
        assert.ok(since.length > 0 && since.every((r) => r.ok && r.by === other(holder)), 'every request served by the node that took over');
        assert.ok(await pair.holdsVip(other(holder)));
        holder = other(holder);
      });
    }

    test('keepalived stopped cleanly on the holder: its peer takes over in under 1 s', async (t) => {
      const stopped = Date.now();
      pair.keepalived[holder]!.kill('SIGTERM');
      const result = await measure(stopped, other(holder), 5_000);
      t.diagnostic(`keepalived SIGTERM: served through node ${other(holder)} ${result.ms} ms after; ${result.failed} of ${result.total} requests failed`);
      assert.ok(await pair.holdsVip(other(holder)));
      assert.ok(result.ms < 1000, `service back after ${result.ms} ms`);
      holder = other(holder);
    });

    test('keepalived back on that node: it rejoins (and, preempting with the higher priority, takes the VIP back)', async () => {
      const back = other(holder);
      const mark = pair.mark();
      await pair.startKeepalived(back);
      const rejoined = new RegExp(`^\\[keepalived-${back}\\] .*Entering (BACKUP|MASTER) STATE`, 'm');
      await until(() => rejoined.test(pair.logs(mark)), 15_000, `keepalived on node ${back} in BACKUP or MASTER`);
      if (variant.preempt && back === 'a') {
        await until(() => pair.holdsVip('a'), 15_000, 'the VIP back on node a');
        holder = 'a';
      }
      const since = Date.now();
      await until(() => pair.results.some((r) => r.t >= since && r.ok && r.by === holder), 5000, `served through node ${holder}`);
    });

    test("SIGTERM of the holder's Fulcrum with --accept-grace: the VIP moves before it stops accepting", async (t) => {
      assert.equal(holder, graced, 'the holder now is the node whose Fulcrum runs with --accept-grace');
      const stopped = Date.now();
      pair.fulcrum[holder]!.kill('SIGTERM');
      const result = await measure(stopped, other(holder), 10_000);
      assert.ok(result.ms < 8000, `the VIP moved ${result.ms} ms after SIGTERM, within the accept grace`);
      await until(() => pair.fulcrum[holder]!.exitCode !== null, 15_000, 'the stopped Fulcrum to exit');
      assert.equal(pair.fulcrum[holder]!.exitCode, 0);
      const first = pair.results.find((r) => r.t >= stopped && r.ok && r.by === other(holder))!;
      const failed = pair.results.filter((r) => r.t >= stopped - 150 && !r.ok);
      t.diagnostic(`Fulcrum SIGTERM with --accept-grace 8s: served through node ${other(holder)} ${result.ms} ms after; ${failed.length} requests failed up to its exit`);
      // what failed, failed while the VIP moved (a second at most); the stopped Fulcrum closing its
      // listener at the end of the grace, long after the move, refused or reset nothing (a timeout of
      // the client's 100 ms is the machine's load, not a closed listener)
      assert.deepEqual(
        failed.filter((r) => r.t > first.t + 1000 && r.error !== 'timeout'),
        [],
      );
      assert.ok(failed.length <= 10, `${failed.length} requests failed`);
    });
  });
}
