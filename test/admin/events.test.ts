// GET /api/v1/events: Server-Sent Events with a live snapshot about every second, behind the token.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import type { Fulcrum } from '../../src/fulcrum.js';
import type { AdminServer } from '../../src/admin/server.js';
import { echoHandler, startHttpBackend, type HttpBackend } from '../helpers/http-backend.js';
import { startFulcrum, yaml } from '../helpers/fulcrum.js';
import { adminCall, startAdmin } from '../helpers/admin.js';

const TOKEN = 'events-test-token';

/** Reads SSE `snapshot` events from a streaming fetch() body until `count` arrived. */
async function readSnapshots(body: ReadableStream<Uint8Array>, count: number): Promise<{ at: number; data: any }[]> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const out: { at: number; data: any }[] = [];
  let buffer = '';
  while (out.length < count) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the stream ended after ${out.length} snapshots`);
    buffer += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const lines = block.split('\n');
      if (!lines.includes('event: snapshot')) continue;
      const data = lines
        .filter((l) => l.startsWith('data: '))
        .map((l) => l.slice(6))
        .join('\n');
      out.push({ at: Date.now(), data: JSON.parse(data) });
    }
  }
  await reader.cancel();
  return out;
}

describe('admin events (SSE)', () => {
  let a: HttpBackend;
  let b: HttpBackend;
  let fulcrum: Fulcrum;
  let admin: AdminServer;
  let url: string;

  before(async () => {
    [a, b] = await Promise.all([startHttpBackend(echoHandler('a')), startHttpBackend(echoHandler('b'))]);
    fulcrum = await startFulcrum(yaml`
      admin: { address: 127.0.0.1:0, token: ${TOKEN} }
      listeners:
        - name: web
          address: 127.0.0.1:0
          routes: [ { service: api } ]
      services:
        api:
          backends:
            - { address: ${a.address} }
            - { address: ${b.address}, weight: 2 }
    `);
    ({ admin, url } = await startAdmin(fulcrum));
  });

  after(async () => {
    await admin.close();
    await fulcrum.close();
    await Promise.all([a.close(), b.close()]);
  });

  test('without the token: 401, like the rest of the API', async () => {
    const res = await adminCall(url, 'GET', '/api/v1/events');
    assert.equal(res.status, 401);
    assert.equal(res.headers['www-authenticate'], 'Bearer realm="fulcrum-admin"');
    const post = await adminCall(url, 'POST', '/api/v1/events', {}, { authorization: `Bearer ${TOKEN}` });
    assert.equal(post.status, 405);
  });

  test('two snapshots about a second apart, with services, backends, live numbers and chart series', { timeout: 15_000 }, async () => {
    // traffic while the stream runs, so that the numbers are not all zero
    let sending = true;
    const traffic = (async () => {
      while (sending) await (await request(fulcrum.url('web') + '/x')).body.text();
    })();
    try {
      const res = await fetch(`${url}/api/v1/events`, { headers: { authorization: `Bearer ${TOKEN}` } });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
      assert.equal(res.headers.get('cache-control'), 'no-store');
      // the first one comes at once; wait for two after it, so that both have a full second of traffic
      const [, first, second] = await readSnapshots(res.body!, 3);
      const gap = second!.at - first!.at;
      assert.ok(gap > 500 && gap < 2000, `snapshots ${gap} ms apart`);
      assert.ok(Date.parse(second!.data.time) > Date.parse(first!.data.time));
      const snapshot = second!.data;
      assert.equal(snapshot.intervalMs, 1000);
      assert.equal(snapshot.windowSeconds, 5);
      assert.equal(snapshot.services.length, 1);
      const [api] = snapshot.services;
      assert.equal(api.name, 'api');
      assert.deepEqual(
        api.backends.map((x: any) => [x.address, x.weight]),
        [
          [a.address, 1],
          [b.address, 2],
        ],
      );
      for (const backend of api.backends) {
        for (const field of ['health', 'effectiveWeight', 'activeConnections', 'inflightRequests', 'ejections', 'draining']) assert.ok(field in backend, `backend.${field}`);
        assert.ok(backend.live.rps > 0, `${backend.address} rps ${backend.live.rps}`);
        assert.equal(backend.live.errorRate, 0);
        for (const p of ['p50', 'p95', 'p99']) assert.ok(backend.live[p] > 0 && backend.live[p] < 1000, `${p} ${backend.live[p]}`);
        assert.ok(backend.live.p50 <= backend.live.p95 && backend.live.p95 <= backend.live.p99);
      }
      assert.ok(api.live.rps > 0);
      const { series } = api;
      assert.ok(series.time.length >= 2);
      for (const name of ['rps', 'errorRate', 'p50', 'p95', 'p99']) assert.equal(series[name].length, series.time.length, name);
      assert.deepEqual(Object.keys(series.backends), [a.address, b.address]);
      assert.equal(series.backends[a.address].length, series.time.length);
      assert.ok(series.time.at(-1) - series.time.at(-2) > 0.5, 'time in seconds, about one apart');
    } finally {
      sending = false;
      await traffic;
    }
  });

  test('a client that goes away is let go', { timeout: 10_000 }, async () => {
    const controller = new AbortController();
    const res = await fetch(`${url}/api/v1/events`, { headers: { authorization: `Bearer ${TOKEN}` }, signal: controller.signal });
    await readSnapshots(res.body!, 1).catch(() => undefined);
    controller.abort();
    const listeners = (admin.live as unknown as { listeners: Set<unknown> }).listeners;
    const deadline = Date.now() + 5000;
    while (listeners.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(listeners.size, 0);
  });
});
