// A reloaded keepAlive reaches the connections a backend already has: idle HTTP/1.1 sockets
// beyond the new maxIdle close, the rest close after the new idleTimeout, and so does an open
// HTTP/2 session.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { parseConfigText, formatConfigError } from '../../src/config/index.js';
import type { Fulcrum } from '../../src/fulcrum.js';
import { upstreamPool } from '../../src/http/upstream/pool.js';
import { ask } from '../helpers/named-backends.js';
import { h2Get, startWatchedH1Backend, startWatchedH2Backend, within, type WatchedH1Backend, type WatchedH2Backend } from '../helpers/watched-backends.js';
import { portOf, startFulcrum, yaml } from '../helpers/fulcrum.js';

describe('a reloaded keepAlive', { timeout: 20_000 }, () => {
  let h1: WatchedH1Backend;
  let h2: WatchedH2Backend;
  let fulcrum: Fulcrum;
  let port: number;
  const config = (maxIdle: number, idleTimeout: string) => yaml`
    listeners:
      - name: web
        address: 127.0.0.1:0
        http2: { enabled: true }
        routes:
          - { match: { pathPrefix: /grpcish/ }, service: grpcish }
          - service: api
    services:
      api:
        backends: [ { address: ${h1.address} } ]
        keepAlive: { maxIdle: ${maxIdle}, idleTimeout: ${idleTimeout} }
      grpcish:
        protocol: h2
        backends: [ { address: ${h2.address} } ]
        keepAlive: { maxIdle: ${maxIdle}, idleTimeout: ${idleTimeout} }
  `;
  const reload = async (text: string): Promise<void> => {
    const parsed = parseConfigText(text, 'reload.yaml');
    if (!parsed.ok) throw new Error(parsed.errors.map(formatConfigError).join('\n'));
    const result = await fulcrum.reload(parsed.config);
    assert.equal(result.ok, true);
  };

  before(async () => {
    h1 = await startWatchedH1Backend();
    h2 = await startWatchedH2Backend('h2');
    fulcrum = await startFulcrum(config(8, '30s'));
    port = portOf(fulcrum);
  });

  after(async () => {
    await fulcrum?.close();
    await h1?.close();
    await h2?.close();
  });

  test('HTTP/1.1: idle sockets beyond the new maxIdle close at once, the others after the new idleTimeout', async () => {
    // three requests in flight at once: three upstream sockets, idle in the pool once answered
    const answers = [ask(port, '/hold/1'), ask(port, '/hold/2'), ask(port, '/hold/3')];
    await h1.waitHeld(3);
    h1.release();
    for (const answer of await Promise.all(answers)) assert.equal(answer.status, 200);
    const idleSince = Date.now();
    const backend = fulcrum.services.get('api')!.backends[0]!;
    const pool = upstreamPool(backend, fulcrum.config.services.get('api')!.keepAlive);
    assert.equal(pool.idleCount, 3);
    assert.equal(h1.open.size, 3);

    await reload(config(1, '400ms'));
    await within(h1.closedAtLeast(2), 2_000, 'the idle sockets beyond maxIdle 1 to close');
    assert.equal(pool.idleCount, 1, 'no more idle sockets kept than the new maxIdle');
    assert.equal(h1.open.size, 1);

    // the one kept closes after the new timeout (the old one was 30 s)
    await within(h1.closedAtLeast(3), 3_000, 'the kept idle socket to close after 400ms');
    const idleFor = Date.now() - idleSince;
    assert.ok(idleFor >= 300 && idleFor < 3_000, `closed after ${idleFor} ms idle (idleTimeout 400ms)`);

    // a socket that goes idle after the reload gets the new timeout too
    assert.equal((await ask(port, '/again')).status, 200);
    const answeredAt = Date.now();
    await within(h1.closedAtLeast(4), 3_000, 'the new idle socket to close after 400ms');
    const after = Date.now() - answeredAt;
    assert.ok(after >= 300 && after < 3_000, `closed after ${after} ms idle`);
  });

  test('HTTP/2: an open session gets the new idle timeout', async () => {
    await reload(config(8, '30s'));
    const client = http2.connect(`http://127.0.0.1:${port}`);
    client.on('error', () => {});
    try {
      assert.equal((await h2Get(client, '/grpcish/one')).status, 200);
      const upstream = await h2.session(0);
      const answeredAt = Date.now();
      await reload(config(8, '400ms'));
      await within(upstream.saw('close'), 3_000, 'the session to close after 400ms idle');
      const idleFor = Date.now() - answeredAt;
      assert.ok(idleFor >= 300 && idleFor < 3_000, `the session closed after ${idleFor} ms idle (idleTimeout 400ms, was 30s)`);
      assert.deepEqual(upstream.events.slice(0, 1), ['goaway'], 'closed gracefully');
    } finally {
      client.close();
    }
  });
});
