// Fulcrum.close() leaves no connection open to any backend: idle HTTP/1.1 sockets, idle HTTP/2
// sessions, and the connections of a service retired by a reload while still draining.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { parseConfigText, formatConfigError } from '../../src/config/index.js';
import type { Fulcrum } from '../../src/fulcrum.js';
import { ask } from '../helpers/named-backends.js';
import { h2Get, startWatchedH1Backend, startWatchedH2Backend, within, type WatchedH1Backend, type WatchedH2Backend } from '../helpers/watched-backends.js';
import { portOf, startFulcrum, yaml } from '../helpers/fulcrum.js';

let web: WatchedH1Backend;
let grpc: WatchedH2Backend;
let retiredH2: WatchedH2Backend;
let fulcrum: Fulcrum;
let closed = false;

const config = (withRetired: boolean) => yaml`
  listeners:
    - name: web
      address: 127.0.0.1:0
      http2: { enabled: true }
      routes:
        - { match: { pathPrefix: /grpc/ }, service: grpc }
${withRetired ? '        - { match: { pathPrefix: /old/ }, service: old }' : ''}
        - service: web
  services:
    web:
      backends: [ { address: ${web.address} } ]
    grpc:
      protocol: h2
      backends: [ { address: ${grpc.address} } ]
${
  withRetired
    ? `    old:
      protocol: h2
      drainTimeout: 30s
      backends: [ { address: ${retiredH2.address} } ]`
    : ''
}
`;

before(async () => {
  web = await startWatchedH1Backend();
  grpc = await startWatchedH2Backend('grpc');
  retiredH2 = await startWatchedH2Backend('old');
  fulcrum = await startFulcrum(config(true));
});

after(async () => {
  if (!closed) await fulcrum?.close();
  await web?.close();
  await grpc?.close();
  await retiredH2?.close();
});

test('after close(), the backends see every connection from Fulcrum close', { timeout: 15_000 }, async () => {
  const port = portOf(fulcrum);
  const client = http2.connect(`http://127.0.0.1:${port}`);
  client.on('error', () => {});
  // an idle pooled HTTP/1.1 socket, an idle HTTP/2 session
  assert.equal((await ask(port, '/plain')).status, 200);
  assert.equal((await h2Get(client, '/grpc/one')).status, 200);
  // a stream in flight on the service about to be retired: it keeps draining after the reload
  const inflight = h2Get(client, '/old/hold').catch(() => null);
  await retiredH2.waitHeld(1);
  const parsed = parseConfigText(config(false), 'reload.yaml');
  if (!parsed.ok) throw new Error(parsed.errors.map(formatConfigError).join('\n'));
  assert.deepEqual((await fulcrum.reload(parsed.config)).ok && fulcrum.drains.retiring('old').length, 1, 'old is retired and draining');
  assert.equal(web.open.size, 1);
  assert.equal(grpc.openCount, 1);
  assert.equal(retiredH2.openCount, 1);

  await fulcrum.close();
  closed = true;
  const [grpcSession, retiredSession] = [grpc.sessions[0]!, retiredH2.sessions[0]!];
  await within(web.closedAtLeast(1), 3_000, 'the idle HTTP/1.1 socket to close');
  await within(grpcSession.saw('close'), 3_000, 'the idle HTTP/2 session to close');
  await within(retiredSession.saw('close'), 3_000, "the retired service's session to close");
  assert.equal(web.open.size, 0);
  assert.equal(grpc.openCount, 0);
  assert.equal(retiredH2.openCount, 0);
  client.destroy();
  await inflight;
});
