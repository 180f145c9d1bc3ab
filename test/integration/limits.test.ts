// Limits with small values: head size, target length, header count, body size, the
// header deadline (slowloris), the keep-alive idle timeout and the connection cap.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Fulcrum } from '../../src/fulcrum.js';
import { startHttpBackend, type HttpBackend } from '../helpers/http-backend.js';
import { RawClient, rawRequest } from '../helpers/raw-client.js';
import { portOf, startFulcrum, yaml } from '../helpers/fulcrum.js';

describe('limits', () => {
  let backend: HttpBackend;
  let fulcrum: Fulcrum;
  let port: number;
  let cappedPort: number;

  before(async () => {
    backend = await startHttpBackend();
    fulcrum = await startFulcrum(yaml`
      listeners:
        - name: web
          address: 127.0.0.1:0
          limits: { maxHeaderBytes: 1kb, maxUriLength: 256, maxHeaders: 10, maxBodyBytes: 1kb }
          timeouts: { header: 300ms, keepAlive: 300ms, clientIdle: 2s }
          routes: [ { service: api } ]
        - name: capped
          address: 127.0.0.1:0
          maxConnections: 2
          routes: [ { service: api } ]
      services:
        api:
          backends: [ { address: ${backend.address} } ]
    `);
    port = portOf(fulcrum);
    cappedPort = portOf(fulcrum, 'capped');
  });

  after(async () => {
    await fulcrum?.close();
    await backend?.close();
  });

  /** Runs `action`, then checks the backend saw no new request. */
  async function nothingForwarded(action: () => Promise<void>): Promise<void> {
    const before = backend.requests.length;
    await action();
    // a request to a path of its own marks the point where anything earlier has arrived
    const marker = await rawRequest(port, 'GET /marker HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    assert.equal(marker.status, 200);
    assert.deepEqual(
      backend.requests.slice(before).map((r) => r.url),
      ['/marker'],
    );
  }

  test('a request within every limit passes, with all its fields', async () => {
    const fields = Array.from({ length: 9 }, (_, i) => `X-F${i}: ${i}\r\n`).join('');
    const ok = await rawRequest(port, `GET /ok HTTP/1.1\r\nHost: a\r\n${fields}\r\n`, { closeWaitMs: 0 });
    assert.equal(ok.status, 200, 'Host + 9 fields = maxHeaders');
    const seen = backend.requests.at(-1)!;
    for (let i = 0; i < 9; i++) assert.equal(seen.headers[`x-f${i}`], String(i), `field X-F${i} forwarded`);
  });

  test('request head over maxHeaderBytes → 431 and close', async () => {
    await nothingForwarded(async () => {
      const response = await rawRequest(port, `GET / HTTP/1.1\r\nHost: a\r\nX-Big: ${'x'.repeat(1100)}\r\n\r\n`);
      assert.equal(response.status, 431);
      assert.equal(response.closed, true);
    });
  });

  test('an unfinished head over maxHeaderBytes → 431 without waiting for its end', async () => {
    await nothingForwarded(async () => {
      const response = await rawRequest(port, `GET / HTTP/1.1\r\nHost: a\r\nX-Big: ${'x'.repeat(1100)}`);
      assert.equal(response.status, 431);
      assert.equal(response.closed, true);
    });
  });

  test('request target over maxUriLength → 414 and close', async () => {
    await nothingForwarded(async () => {
      const response = await rawRequest(port, `GET /${'a'.repeat(300)} HTTP/1.1\r\nHost: a\r\n\r\n`);
      assert.equal(response.status, 414);
      assert.equal(response.closed, true);
    });
  });

  test('an unfinished request line over maxUriLength → 414', async () => {
    await nothingForwarded(async () => {
      const response = await rawRequest(port, `GET /${'a'.repeat(600)}`);
      assert.equal(response.status, 414);
      assert.equal(response.closed, true);
    });
  });

  test('more header fields than maxHeaders → 431, never forwarded with fields dropped', async () => {
    await nothingForwarded(async () => {
      const fields = Array.from({ length: 10 }, (_, i) => `X-F${i}: ${i}\r\n`).join('');
      const response = await rawRequest(port, `GET / HTTP/1.1\r\nHost: a\r\n${fields}\r\n`);
      assert.equal(response.status, 431);
      assert.equal(response.closed, true);
    });
  });

  test('Content-Length over maxBodyBytes → 413 before anything is forwarded', async () => {
    await nothingForwarded(async () => {
      const response = await rawRequest(port, `POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2000\r\n\r\n${'b'.repeat(2000)}`);
      assert.equal(response.status, 413);
      assert.equal(response.closed, true);
    });
  });

  test('a chunked body growing past maxBodyBytes → 413 and close', async () => {
    const before = backend.requests.length;
    const client = await RawClient.connect(port);
    try {
      await client.write('POST /grow HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n');
      const chunk = `200\r\n${'c'.repeat(512)}\r\n`;
      // 512 bytes at a time until Fulcrum refuses; 1 kb is the limit, so the third chunk is over it
      for (let i = 0; i < 3 && !client.ended; i++) await client.write(chunk).catch(() => {});
      const response = await client.response();
      assert.equal(response.status, 413);
      assert.equal(await client.closesWithin(1000), true);
    } finally {
      client.close();
    }
    // the backend may have seen the start of the request, never a complete one
    for (const r of backend.requests.slice(before)) assert.equal(r.complete, false, 'the backend never got the whole body');
  });

  test('a chunked body within maxBodyBytes passes', async () => {
    const response = await rawRequest(
      port,
      `POST /small HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n200\r\n${'c'.repeat(512)}\r\n200\r\n${'c'.repeat(512)}\r\n0\r\n\r\n`,
    );
    assert.equal(response.status, 200);
    assert.equal(backend.requests.at(-1)!.body.length, 1024);
  });

  test('slowloris: half a head, then nothing → 408 and close after the header deadline', async () => {
    await nothingForwarded(async () => {
      const client = await RawClient.connect(port);
      try {
        const started = Date.now();
        await client.write('GET / HTTP/1.1\r\nHost: a\r\nX-Slow: ');
        const response = await client.response('GET', 3000);
        const elapsed = Date.now() - started;
        assert.equal(response.status, 408);
        assert.equal(await client.closesWithin(1000), true);
        assert.ok(elapsed >= 250 && elapsed < 1500, `408 after ${elapsed} ms (header timeout 300 ms)`);
      } finally {
        client.close();
      }
    });
  });

  test('slowloris trickle: a byte at a time does not extend the header deadline', async () => {
    const client = await RawClient.connect(port);
    try {
      const started = Date.now();
      const head = 'GET / HTTP/1.1\r\nHost: a\r\nX-Slow: ' + 'z'.repeat(200);
      let i = 0;
      // one byte every 20 ms until Fulcrum gives up
      const timer = setInterval(() => {
        if (client.ended || i >= head.length) return;
        client.socket.write(head[i++]!);
      }, 20);
      try {
        const response = await client.response('GET', 3000);
        assert.equal(response.status, 408);
      } finally {
        clearInterval(timer);
      }
      const elapsed = Date.now() - started;
      assert.ok(elapsed < 1500, `408 after ${elapsed} ms`);
    } finally {
      client.close();
    }
  });

  test('an idle keep-alive connection is closed after the keep-alive timeout', async () => {
    const client = await RawClient.connect(port);
    try {
      await client.write('GET /idle HTTP/1.1\r\nHost: a\r\n\r\n');
      const response = await client.response();
      assert.equal(response.status, 200);
      assert.equal(response.headers['connection'], undefined);
      const started = Date.now();
      assert.equal(await client.closesWithin(2000), true, 'closed while idle');
      const elapsed = Date.now() - started;
      assert.ok(elapsed >= 200, `closed after ${elapsed} ms (keep-alive timeout 300 ms)`);
      assert.equal(client.unread.length, 0, 'closed without sending anything (no 408 for an idle connection)');
    } finally {
      client.close();
    }
  });

  test('listener maxConnections: a connection over the cap is closed unanswered', async () => {
    const first = await RawClient.connect(cappedPort);
    const second = await RawClient.connect(cappedPort);
    const third = await RawClient.connect(cappedPort).catch(() => null);
    try {
      for (const client of [first, second]) {
        await client.write('GET / HTTP/1.1\r\nHost: a\r\n\r\n');
        assert.equal((await client.response()).status, 200);
      }
      if (third !== null) {
        await third.write('GET / HTTP/1.1\r\nHost: a\r\n\r\n').catch(() => {});
        assert.equal(await third.closesWithin(1000), true, 'the third connection is dropped');
        assert.equal(third.unread.length, 0, 'and gets no response');
      }
      // a slot frees when a connection ends
      first.close();
      let served = false;
      for (let attempt = 0; attempt < 20 && !served; attempt++) {
        const client = await RawClient.connect(cappedPort);
        try {
          await client.write('GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n').catch(() => {});
          await client.until(() => client.ended || client.unread.length > 0, 1000, 'an answer or a close');
          served = client.unread.length > 0 && (await client.response()).status === 200;
        } finally {
          client.close();
        }
      }
      assert.ok(served, 'a new connection is served once one of the two closed');
    } finally {
      first.close();
      second.close();
      third?.close();
    }
  });
});
