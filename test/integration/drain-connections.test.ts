// What a drain does to a backend's connections: idle HTTP/1.1 sockets close at once; an HTTP/2
// session to a `protocol: h2` backend gets its GOAWAY only once its in-flight stream has
// completed, and then closes.
import { until } from '../helpers/health.js';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { parseConfigText, formatConfigError } from '../../src/config/index.js';
import type { Fulcrum } from '../../src/fulcrum.js';
import { ask } from '../helpers/named-backends.js';
import { h2Get, startWatchedH1Backend, startWatchedH2Backend, within, type WatchedH1Backend, type WatchedH2Backend } from '../helpers/watched-backends.js';
import { portOf, startFulcrum, yaml } from '../helpers/fulcrum.js';

describe('draining closes connections', { timeout: 20_000 }, () => {
  let h1: WatchedH1Backend;
  let h2: WatchedH2Backend;
  let fulcrum: Fulcrum;
  let port: number;
  // the drain timeout is long: whatever closes here closes because the backend went idle
  const config = (h1Weight: number, h2Weight: number) => yaml`
    listeners:
      - name: web
        address: 127.0.0.1:0
        http2: { enabled: true }
        routes:
          - { match: { pathPrefix: /grpcish/ }, service: grpcish }
          - service: api
    services:
      api:
        drainTimeout: 30s
        backends: [ { address: ${h1.address}, weight: ${h1Weight} } ]
      grpcish:
        protocol: h2
        drainTimeout: 30s
        backends: [ { address: ${h2.address}, weight: ${h2Weight} } ]
  `;
  const reload = async (text: string): Promise<void> => {
    const parsed = parseConfigText(text, 'reload.yaml');
    if (!parsed.ok) throw new Error(parsed.errors.map(formatConfigError).join('\n'));
    assert.equal((await fulcrum.reload(parsed.config)).ok, true);
  };

  before(async () => {
    h1 = await startWatchedH1Backend();
    h2 = await startWatchedH2Backend('h2');
    fulcrum = await startFulcrum(config(1, 1));
    port = portOf(fulcrum);
  });

  after(async () => {
    await fulcrum?.close();
    await h1?.close();
    await h2?.close();
  });

  test('HTTP/1.1: idle pooled sockets close as the drain starts', async () => {
    const answers = [ask(port, '/hold/1'), ask(port, '/hold/2')];
    await h1.waitHeld(2);
    h1.release();
    for (const answer of await Promise.all(answers)) assert.equal(answer.status, 200);
    assert.equal(h1.open.size, 2, 'two idle sockets in the pool');
    const closedBefore = h1.closed;

    const started = Date.now();
    await reload(config(0, 1)); // weight 0: the backend drains
    await within(h1.closedAtLeast(closedBefore + 2), 2_000, 'the idle sockets to close');
    assert.ok(Date.now() - started < 1_000, 'at once, not at the drain timeout');
    assert.equal(h1.open.size, 0);
    await reload(config(1, 1));
  });

  test('HTTP/2: GOAWAY only after the in-flight stream has completed, then the session closes', async () => {
    const client = http2.connect(`http://127.0.0.1:${port}`);
    client.on('error', () => {});
    try {
      const inflight = h2Get(client, '/grpcish/hold');
      await h2.waitHeld(1);
      const upstream = h2.sessions.at(-1)!;

      await reload(config(1, 0)); // the h2 backend drains with a stream in flight
      // a PING round trip from the backend: a GOAWAY sent when the drain started would be there first
      await new Promise<void>((resolve, reject) => upstream.session.ping((error) => (error ? reject(error) : resolve())));
      assert.deepEqual(upstream.events, [], 'no GOAWAY while the stream is in flight');

      h2.release();
      const answer = await inflight;
      assert.equal(answer.status, 200);
      assert.equal(answer.body, 'h2 held', 'the in-flight stream succeeds');

      await within(upstream.saw('close'), 3_000, 'the drained session to close');
      // (node:http2 may send its GOAWAY twice: on close() and as the session ends)
      assert.deepEqual([...new Set(upstream.events)], ['stream-end', 'goaway', 'close']);
      const backend = fulcrum.services.get('grpcish')!.backends[0]!;
      // Fulcrum's side of the session closes a moment after the backend's (later on Node 24 than on 20)
      await until(() => backend.connections?.openCount === 0, 3_000, 'nothing open to the drained backend');
    } finally {
      client.close();
    }
  });
});
