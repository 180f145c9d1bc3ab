// Sticky sessions through a running Fulcrum: cookie insert (flags, an opaque value, stickiness,
// failover with the cookie re-issued when the backend is drained, at weight 0 or killed) and
// client-IP stickiness kept in the StateStore.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Fulcrum } from '../../src/fulcrum.js';
import { CookieSticky } from '../../src/pool/sticky.js';
import { Backend } from '../../src/pool/backend.js';
import { MemoryStore } from '../../src/state/memory-store.js';
import { ask, startNamedBackend, tally, type NamedBackend } from '../helpers/named-backends.js';
import { portOf, startFulcrum, yaml } from '../helpers/fulcrum.js';

/** The cookie's name=value and its attributes, from a Set-Cookie header. */
function parseSetCookie(headers: Record<string, unknown>): { value: string; attributes: string[] } | undefined {
  const field = headers['set-cookie'] as string[] | undefined;
  if (field === undefined) return undefined;
  assert.equal(field.length, 1);
  const [pair, ...attributes] = field[0]!.split(';').map((s) => s.trim());
  return { value: pair!, attributes };
}

describe('sticky sessions', () => {
  const backends: NamedBackend[] = [];
  let fulcrum: Fulcrum;
  let port: number;

  before(async () => {
    for (const name of ['a', 'b', 'c']) backends.push(await startNamedBackend(name));
    const list = backends.map((b) => `{ address: ${b.address} }`).join(', ');
    fulcrum = await startFulcrum(yaml`
      listeners:
        - name: web
          address: 127.0.0.1:0
          routes:
            - { match: { pathPrefix: /ip/ }, service: byIp }
            - service: byCookie
      services:
        byCookie:
          backends: [ ${list} ]
          retries: { attempts: 2 }
          sticky: { cookie: { name: FULCRUM_SRV, maxAge: 1h } }
        byIp:
          backends: [ ${list} ]
          sticky: { clientIp: { ttl: 10m } }
      log: { level: silent }
    `);
    port = portOf(fulcrum);
  });

  after(async () => {
    await fulcrum.close();
    for (const backend of backends) await backend.close().catch(() => undefined);
  });

  test('the first answer sets an HttpOnly, SameSite=Lax cookie with Max-Age; no Secure on http', async () => {
    const answer = await ask(port, '/first');
    const cookie = parseSetCookie(answer.headers)!;
    assert.match(cookie.value, /^FULCRUM_SRV=[A-Za-z0-9_-]{22}$/);
    assert.deepEqual(cookie.attributes, ['Path=/', 'Max-Age=3600', 'HttpOnly', 'SameSite=Lax']);
  });

  test('the value is opaque: it contains neither the address nor the port, in any usual encoding', async () => {
    for (let i = 0; i < 3; i++) {
      const answer = await ask(port, `/opaque${i}`);
      const value = parseSetCookie(answer.headers)!.value.split('=')[1]!;
      const backend = backends.find((b) => b.name === answer.name)!;
      const [host, portText] = backend.address.split(':') as [string, string];
      for (const text of [backend.address, host, portText]) {
        for (const encoded of [text, Buffer.from(text).toString('base64'), Buffer.from(text).toString('base64url'), Buffer.from(text).toString('hex')]) {
          assert.ok(!value.includes(encoded.replace(/=+$/, '')), `${value} reveals ${text}`);
        }
      }
    }
  });

  test('a client that sends its cookie back stays on its backend over many requests, without a new cookie', async () => {
    const first = await ask(port, '/stick');
    const cookie = parseSetCookie(first.headers)!.value;
    for (let i = 0; i < 30; i++) {
      const answer = await ask(port, `/stick${i}`, { headers: { cookie: `other=1; ${cookie}` } });
      assert.equal(answer.name, first.name);
      assert.equal(answer.headers['set-cookie'], undefined);
    }
    // without the cookie, round-robin spreads the requests
    const names: string[] = [];
    for (let i = 0; i < 6; i++) names.push((await ask(port, '/spread')).name);
    assert.equal(tally(names).size, 3);
  });

  test('a forged or stale value is balanced normally and replaced', async () => {
    const answer = await ask(port, '/forged', { headers: { cookie: 'FULCRUM_SRV=127.0.0.1:80' } });
    assert.equal(answer.status, 200);
    assert.ok(parseSetCookie(answer.headers), 'a fresh cookie');
  });

  test('when the sticky backend is drained or at weight 0, the request goes elsewhere and the cookie is re-issued', async () => {
    const service = fulcrum.services.get('byCookie')!;
    for (const takeOut of ['weight', 'draining'] as const) {
      const first = await ask(port, `/failover-${takeOut}`);
      const cookie = parseSetCookie(first.headers)!.value;
      const stuck = service.backends.find((b) => b.id === backends.find((n) => n.name === first.name)!.address)!;
      if (takeOut === 'weight') stuck.weight = 0;
      else stuck.draining = true;
      try {
        const moved = await ask(port, `/failover-${takeOut}-2`, { headers: { cookie } });
        assert.notEqual(moved.name, first.name);
        const reissued = parseSetCookie(moved.headers)!.value;
        assert.notEqual(reissued, cookie);
        // the new cookie sticks to the new backend
        for (let i = 0; i < 5; i++) assert.equal((await ask(port, `/failover-${takeOut}-${i}`, { headers: { cookie: reissued } })).name, moved.name);
      } finally {
        stuck.weight = 1;
        stuck.draining = false;
      }
      // back in rotation: the old cookie leads to it again
      assert.equal((await ask(port, '/back', { headers: { cookie } })).name, first.name);
    }
  });

  test('client-IP stickiness: each client address keeps its backend; clients spread over backends', async () => {
    const seen = new Map<string, string>();
    for (let round = 0; round < 5; round++) {
      for (let client = 1; client <= 9; client++) {
        const address = `127.0.0.${client + 10}`;
        const answer = await ask(port, `/ip/${round}`, { localAddress: address });
        assert.equal(answer.status, 200);
        assert.equal(answer.headers['set-cookie'], undefined, 'no cookie for client-IP stickiness');
        if (round === 0) seen.set(address, answer.name);
        else assert.equal(answer.name, seen.get(address), `${address} moved`);
      }
    }
    assert.ok(new Set(seen.values()).size >= 2, `clients spread: ${[...seen.values()]}`);
    // the table lives in the Fulcrum's StateStore, with the backend id as value
    const stored = fulcrum.stateStore.get('sticky:byIp:ip:127.0.0.11');
    assert.equal(stored, backends.find((b) => b.name === seen.get('127.0.0.11'))!.address);
  });

  test('when the sticky backend is killed, the request fails over and the cookie is re-issued (last: it stops a backend)', async () => {
    const first = await ask(port, '/kill');
    const cookie = parseSetCookie(first.headers)!.value;
    await backends.find((b) => b.name === first.name)!.close();
    const moved = await ask(port, '/kill-2', { headers: { cookie } });
    assert.equal(moved.status, 200);
    assert.notEqual(moved.name, first.name);
    assert.notEqual(parseSetCookie(moved.headers)!.value, cookie);
  });
});

test('the cookie is Secure on https (auto), always with secure: true, never with secure: false', () => {
  const backend = new Backend({ address: { host: '10.0.0.1', port: 8080 }, weight: 1, maxConnections: 0 });
  const make = (secure: boolean | 'auto'): CookieSticky => {
    const sticky = new CookieSticky('svc', { kind: 'cookie', name: 'S', maxAge: 0, sameSite: 'Strict', httpOnly: false, secure, path: '/app' }, new MemoryStore());
    sticky.setBackends([backend]);
    return sticky;
  };
  const auto = make('auto');
  assert.match(auto.onResponse(backend, undefined, '', false), /^Set-Cookie: S=[\w-]{22}; Path=\/app; SameSite=Strict\r\n$/);
  assert.match(auto.onResponse(backend, undefined, '', true), /; SameSite=Strict; Secure\r\n$/);
  assert.match(make(true).onResponse(backend, undefined, '', false), /; Secure\r\n$/);
  assert.doesNotMatch(make(false).onResponse(backend, undefined, '', true), /Secure/);
  assert.equal(auto.onResponse(backend, backend, '', true), '', 'no cookie when it already points there');
});

test('instances sharing a store make the same cookie values (the secret lives in the store)', () => {
  const store = new MemoryStore();
  const backend = new Backend({ address: { host: '10.0.0.1', port: 8080 }, weight: 1, maxConnections: 0 });
  const config = { kind: 'cookie' as const, name: 'S', maxAge: 0, sameSite: 'Lax' as const, httpOnly: true, secure: 'auto' as const, path: '/' };
  const one = new CookieSticky('svc', config, store);
  const two = new CookieSticky('svc', config, store);
  assert.equal(one.tokenOf(backend), two.tokenOf(backend));
  assert.notEqual(one.tokenOf(backend), new CookieSticky('svc', config, new MemoryStore()).tokenOf(backend));
  store.close();
});
