// The circuit breaker's maxConnections counts HTTP/2 sessions as connections (as Envoy does):
// with one session open, a stream that would open a second one is refused; one that shares the
// open session is not.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import type { Fulcrum } from '../../src/fulcrum.js';
import { h2Get, startWatchedH2Backend, type WatchedH2Backend } from '../helpers/watched-backends.js';
import { portOf, startFulcrum, yaml } from '../helpers/fulcrum.js';

let a: WatchedH2Backend;
let b: WatchedH2Backend;
let fulcrum: Fulcrum;
let client: http2.ClientHttp2Session;

before(async () => {
  a = await startWatchedH2Backend('a');
  b = await startWatchedH2Backend('b');
  fulcrum = await startFulcrum(yaml`
    listeners:
      - name: web
        address: 127.0.0.1:0
        http2: { enabled: true }
        routes: [ { service: grpcish } ]
    services:
      grpcish:
        protocol: h2
        algorithm: round-robin
        backends: [ { address: ${a.address} }, { address: ${b.address} } ]
        circuitBreaker: { maxConnections: 1 }
  `);
  client = http2.connect(`http://127.0.0.1:${portOf(fulcrum)}`);
  client.on('error', () => {});
});

after(async () => {
  client?.close();
  await fulcrum?.close();
  await a?.close();
  await b?.close();
});

test("maxConnections 1: while one backend's session is open, the other backend's first stream gets a 503", { timeout: 10_000 }, async () => {
  const first = await h2Get(client, '/one');
  assert.equal(first.status, 200);
  const [opened, other] = first.backend === 'a' ? [a, b] : [b, a];
  assert.equal(opened.openCount, 1, 'one session open to the backend that answered');

  // round robin: the next pick is the other backend, which has no session: it would open a second connection
  const refused = await h2Get(client, '/two');
  assert.equal(refused.status, 503);
  assert.match(refused.body, /maxConnections/);
  assert.equal(other.sessions.length, 0, 'no session was opened to the other backend');

  // back to the first backend: its open session is shared, no new connection, admitted
  const third = await h2Get(client, '/three');
  assert.equal(third.status, 200);
  assert.equal(third.backend, first.backend);
  assert.equal(opened.sessions.length, 1, 'the same session carried both streams');
});
