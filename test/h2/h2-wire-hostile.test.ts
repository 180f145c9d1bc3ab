// Fulcrum's own HTTP/2 layer (codec: fulcrum) against hostile clients: CONTINUATION floods, HPACK
// bombs, flow-control abuse, control-frame floods from a client that doesn't read, stream-id
// violations, rapid reset, floods of frames that carry nothing, a SETTINGS never acknowledged,
// streams over MAX_CONCURRENT_STREAMS; and a backend whose client never opens its window is back-pressured.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Fulcrum } from '../../src/fulcrum.js';
import { startHttpBackend, type HttpBackend } from '../helpers/http-backend.js';
import { run } from '../helpers/l4.js';
import { portOf, startFulcrum, yaml } from '../helpers/fulcrum.js';
import { errorCode, FLAG, FRAME, RawH2Client, requestFields } from '../helpers/h2-raw.js';

const CONTINUATION = 9;
const PROTOCOL_ERROR = 1;
const FLOW_CONTROL_ERROR = 3;
const SETTINGS_TIMEOUT = 4;
const STREAM_CLOSED = 5;
const REFUSED_STREAM = 7;
const ENHANCE_YOUR_CALM = 11;

let backend: HttpBackend;
/** writes a huge body as fast as Fulcrum takes it; counts what left its socket */
let bulk: net.Server;
let bulkFlushed = 0;
let fulcrum: Fulcrum;
let port: number;
/** the same listener with a short timeouts.header, for the SETTINGS ACK timeout */
let quick: Fulcrum;

const BULK_BYTES = 64 * 1024 * 1024;

before(async () => {
  backend = await startHttpBackend();
  bulk = net.createServer((socket) => {
    socket.once('data', () => {
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${BULK_BYTES}\r\n\r\n`);
      const piece = Buffer.alloc(64 * 1024, 0x61);
      let written = 0;
      const pump = (): void => {
        while (written < BULK_BYTES) {
          written += piece.length;
          bulkFlushed = written - socket.writableLength;
          if (!socket.write(piece)) {
            socket.once('drain', pump);
            return;
          }
        }
      };
      pump();
      const timer = setInterval(() => (bulkFlushed = socket.bytesWritten), 50);
      socket.on('close', () => clearInterval(timer));
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => bulk.listen(0, '127.0.0.1', resolve));
  const bulkAddress = `127.0.0.1:${(bulk.address() as AddressInfo).port}`;
  fulcrum = await startFulcrum(yaml`
    listeners:
      - name: web
        address: 127.0.0.1:0
        http2: { enabled: true, codec: fulcrum, maxConcurrentStreams: 50, maxHeaderListSize: 4kb, maxResetsPerWindow: 20, resetWindow: 10s, maxFrameSize: 128kb }
        routes:
          - { match: { pathPrefix: /bulk }, service: bulk }
          - { service: app }
    services:
      app: { backends: [ { address: ${backend.address} } ] }
      bulk: { backends: [ { address: ${bulkAddress} } ] }
  `);
  port = portOf(fulcrum);
  quick = await startFulcrum(yaml`
    listeners:
      - name: quick
        address: 127.0.0.1:0
        timeouts: { header: 300ms }
        http2: { enabled: true, codec: fulcrum }
        routes: [ { service: app } ]
    services:
      app: { backends: [ { address: ${backend.address} } ] }
  `);
});

after(async () => {
  await quick?.close();
  await fulcrum?.close();
  await backend?.close();
  bulk?.close();
});

/** The client's socket closes (after a GOAWAY with `code` when given). */
async function expectGoaway(client: RawH2Client, code: number): Promise<void> {
  const goaway = await client.waitFor((f) => f.type === FRAME.GOAWAY);
  assert.equal(errorCode(goaway), code);
  for (let i = 0; i < 100 && !client.closed; i++) await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(client.closed, true, 'the socket is closed');
}

async function expectAnswer(client: RawH2Client, stream: number): Promise<void> {
  const headers = await client.waitFor((f) => f.stream === stream && f.type === FRAME.HEADERS);
  assert.ok(headers);
}

test('CONTINUATION flood: endless CONTINUATION without END_HEADERS is GOAWAY and a closed socket', async () => {
  const client = await RawH2Client.connect(port);
  try {
    client.send(FRAME.HEADERS, FLAG.END_STREAM, 1, Buffer.from([0x82])); // :method GET, no END_HEADERS
    const piece = Buffer.alloc(16, 0x82);
    for (let i = 0; i < 10_000 && !client.closed; i++) client.send(CONTINUATION, 0, 1, piece);
    await expectGoaway(client, ENHANCE_YOUR_CALM);
  } finally {
    client.close();
  }
});

test('a big header block in many CONTINUATION frames is bounded by maxHeaderListSize: GOAWAY', async () => {
  const client = await RawH2Client.connect(port);
  try {
    client.send(FRAME.HEADERS, 0, 1, Buffer.from([0x82]));
    const piece = Buffer.alloc(8 * 1024, 0x82);
    for (let i = 0; i < 8 && !client.closed; i++) client.send(CONTINUATION, 0, 1, piece);
    await expectGoaway(client, ENHANCE_YOUR_CALM);
  } finally {
    client.close();
  }
});

test('CONTINUATION on another stream, or after a complete block, is PROTOCOL_ERROR', async () => {
  const client = await RawH2Client.connect(port);
  try {
    client.send(FRAME.HEADERS, FLAG.END_STREAM, 1, Buffer.from([0x82]));
    client.send(CONTINUATION, FLAG.END_HEADERS, 3, Buffer.from([0x84]));
    await expectGoaway(client, PROTOCOL_ERROR);
  } finally {
    client.close();
  }
});

test('HPACK bomb: one big dynamic entry referenced many times is 431, the connection lives on', async () => {
  const client = await RawH2Client.connect(port);
  try {
    const value = 'b'.repeat(3000);
    // literal with incremental indexing, new name (RFC 7541 6.2.1), then index 62 (that entry) 1000 times
    // (3000 as a 7-bit-prefix integer: 127, then 2873 in base 128: 185, 22)
    const entry = Buffer.concat([Buffer.from([0x40, 6]), Buffer.from('x-bomb'), Buffer.from([0x7f, 185, 22]), Buffer.from(value)]);
    const plain = requestFields('/bomb');
    client.headers(1, plain); // literals without indexing: nothing in the table
    await expectAnswer(client, 1);
    const prefix = Buffer.from([0x82, 0x84, 0x86]); // :method GET, :path /, :scheme http
    const refs = Buffer.alloc(1000, 0x80 | 62);
    client.send(FRAME.HEADERS, FLAG.END_HEADERS | FLAG.END_STREAM, 3, Buffer.concat([prefix, entry, refs]));
    // 431 (or a refused stream): either way an answer on the stream, not on the connection
    await client.waitFor((f) => f.stream === 3 && (f.type === FRAME.HEADERS || f.type === FRAME.RST_STREAM));
    client.headers(5, requestFields('/after-bomb'));
    await expectAnswer(client, 5);
    assert.equal(
      backend.requests.some((r) => r.url === '/'),
      false,
      'the bomb was never forwarded',
    );
  } finally {
    client.close();
  }
});

test('WINDOW_UPDATE overflowing the connection window is GOAWAY(FLOW_CONTROL_ERROR)', async () => {
  const client = await RawH2Client.connect(port);
  try {
    const increment = Buffer.alloc(4);
    increment.writeUInt32BE(0x7fffffff);
    client.send(FRAME.WINDOW_UPDATE, 0, 0, increment);
    await expectGoaway(client, FLOW_CONTROL_ERROR);
  } finally {
    client.close();
  }
});

test("WINDOW_UPDATE overflowing a stream's window is RST_STREAM(FLOW_CONTROL_ERROR); the connection lives on", async () => {
  const client = await RawH2Client.connect(port);
  try {
    client.headers(1, [[':method', 'POST'], ...requestFields('/post').slice(1)], false);
    const increment = Buffer.alloc(4);
    increment.writeUInt32BE(0x7fffffff);
    client.send(FRAME.WINDOW_UPDATE, 0, 1, increment);
    const rst = await client.waitFor((f) => f.stream === 1 && f.type === FRAME.RST_STREAM);
    assert.equal(errorCode(rst), FLOW_CONTROL_ERROR);
    client.headers(3, requestFields('/after-window'));
    await expectAnswer(client, 3);
  } finally {
    client.close();
  }
});

test("DATA beyond the stream's window is RST_STREAM(FLOW_CONTROL_ERROR)", async () => {
  const client = await RawH2Client.connect(port);
  try {
    client.headers(1, [[':method', 'POST'], ...requestFields('/too-much').slice(1)], false);
    client.send(FRAME.DATA, FLAG.END_STREAM, 1, Buffer.alloc(70_000, 0x61)); // one frame over the 65535 window
    const rst = await client.waitFor((f) => f.stream === 1 && f.type === FRAME.RST_STREAM);
    assert.equal(errorCode(rst), FLOW_CONTROL_ERROR);
  } finally {
    client.close();
  }
});

test('a client that never opens its window: Fulcrum back-pressures the backend instead of buffering its body', async () => {
  const client = await RawH2Client.connect(port);
  try {
    client.headers(1, requestFields('/bulk'));
    await client.waitFor((f) => f.stream === 1 && f.type === FRAME.HEADERS);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const received = client.frames.filter((f) => f.stream === 1 && f.type === FRAME.DATA).reduce((n, f) => n + f.payload.length, 0);
    assert.ok(received <= 65535, `no more than the client's window was sent (${received})`);
    assert.ok(bulkFlushed < 24 * 1024 * 1024, `the backend was held back (${bulkFlushed} of ${BULK_BYTES} bytes left it)`);
  } finally {
    client.close();
  }
});

test('DATA on a stream the client already ended is RST_STREAM(STREAM_CLOSED)', async () => {
  const client = await RawH2Client.connect(port);
  try {
    client.headers(1, [[':method', 'POST'], ...requestFields('/ended').slice(1)], false);
    client.send(FRAME.DATA, FLAG.END_STREAM, 1, Buffer.from('a'));
    client.send(FRAME.DATA, 0, 1, Buffer.from('b'));
    const rst = await client.waitFor((f) => f.stream === 1 && f.type === FRAME.RST_STREAM);
    assert.equal(errorCode(rst), STREAM_CLOSED);
  } finally {
    client.close();
  }
});

for (const [what, ids] of [
  ['an even stream id', [2]],
  ['a decreasing stream id', [5, 3]],
  ['a reused stream id (HEADERS on a closed stream)', [1, 1]],
] as Array<[string, number[]]>) {
  test(`${what} is GOAWAY(PROTOCOL_ERROR)`, async () => {
    const client = await RawH2Client.connect(port);
    try {
      for (let i = 0; i < ids.length; i++) {
        client.headers(ids[i]!, requestFields('/ids'));
        if (i < ids.length - 1) await client.waitFor((f) => f.stream === ids[i] && f.type === FRAME.DATA && (f.flags & FLAG.END_STREAM) !== 0);
      }
      await expectGoaway(client, PROTOCOL_ERROR);
    } finally {
      client.close();
    }
  });
}

for (const [what, frame] of [
  ['PING', (c: RawH2Client) => c.send(FRAME.PING, 0, 0, Buffer.alloc(8))],
  ['SETTINGS', (c: RawH2Client) => c.send(FRAME.SETTINGS, 0, 0, Buffer.alloc(0))],
] as Array<[string, (c: RawH2Client) => void]>) {
  test(`${what} flood from a client that doesn't read: the connection is closed`, async () => {
    const client = await RawH2Client.connect(port);
    try {
      await client.waitFor((f) => f.type === FRAME.SETTINGS);
      client.socket.pause();
      for (let round = 0; round < 400 && !client.closed; round++) {
        client.socket.cork();
        for (let i = 0; i < 5000; i++) frame(client);
        client.socket.uncork();
        if (client.socket.writableNeedDrain) await new Promise((resolve) => setTimeout(resolve, 5));
      }
      for (let i = 0; i < 100 && !client.closed; i++) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(client.closed, true);
    } finally {
      client.close();
    }
  });
}

test('rapid reset: past maxResetsPerWindow client resets, GOAWAY(ENHANCE_YOUR_CALM)', async () => {
  const client = await RawH2Client.connect(port);
  try {
    for (let id = 1; id < 80 && !client.closed; id += 2) {
      client.headers(id, requestFields('/reset'));
      client.rst(id, 8);
    }
    const goaway = await client.waitFor((f) => f.type === FRAME.GOAWAY);
    assert.equal(errorCode(goaway), ENHANCE_YOUR_CALM);
  } finally {
    client.close();
  }
});

const windowIncrement = (n: number): Buffer => {
  const payload = Buffer.alloc(4);
  payload.writeUInt32BE(n);
  return payload;
};

for (const [what, frame] of [
  ['empty DATA frames without END_STREAM', (c: RawH2Client) => c.send(FRAME.DATA, 0, 1, Buffer.alloc(0))],
  ['frames of an unknown type', (c: RawH2Client) => c.send(0x42, 0, 0, Buffer.alloc(4))],
  ['PRIORITY frames', (c: RawH2Client) => c.send(FRAME.PRIORITY, 0, 1, Buffer.from([0, 0, 0, 0, 16]))],
  ['WINDOW_UPDATEs of 1 byte', (c: RawH2Client) => c.send(FRAME.WINDOW_UPDATE, 0, 1, windowIncrement(1))],
] as Array<[string, (c: RawH2Client) => void]>) {
  test(`a flood of ${what} is GOAWAY(ENHANCE_YOUR_CALM)`, async () => {
    const client = await RawH2Client.connect(port);
    try {
      client.headers(1, [[':method', 'POST'], ...requestFields('/empty-flood').slice(1)], false);
      for (let i = 0; i < 1100 && !client.closed; i++) frame(client);
      await expectGoaway(client, ENHANCE_YOUR_CALM);
    } finally {
      client.close();
    }
  });
}

test('a few frames that carry nothing are fine: the stream is answered', async () => {
  const client = await RawH2Client.connect(port);
  try {
    client.headers(1, [[':method', 'POST'], ...requestFields('/few-empty').slice(1)], false);
    for (let i = 0; i < 20; i++) {
      client.send(FRAME.DATA, 0, 1, Buffer.alloc(0));
      client.send(FRAME.PRIORITY, 0, 1, Buffer.from([0, 0, 0, 0, 16]));
      client.send(0x42, 0, 0, Buffer.alloc(4));
    }
    client.send(FRAME.DATA, FLAG.END_STREAM, 1, Buffer.from('body'));
    await expectAnswer(client, 1);
  } finally {
    client.close();
  }
});

test('SETTINGS never acknowledged: GOAWAY(SETTINGS_TIMEOUT) after timeouts.header', async () => {
  const client = await RawH2Client.connect(portOf(quick, 'quick'), { ackSettings: false });
  try {
    const started = Date.now();
    await expectGoaway(client, SETTINGS_TIMEOUT);
    assert.ok(Date.now() - started >= 250, 'not before the timeout');
  } finally {
    client.close();
  }
});

test('SETTINGS acknowledged: the connection outlives timeouts.header', async () => {
  const client = await RawH2Client.connect(portOf(quick, 'quick'));
  try {
    await new Promise((resolve) => setTimeout(resolve, 600));
    assert.equal(client.closed, false);
    client.headers(1, requestFields('/acked'));
    await expectAnswer(client, 1);
    assert.equal(
      client.frames.some((f) => f.type === FRAME.GOAWAY),
      false,
    );
  } finally {
    client.close();
  }
});

test('streams beyond maxConcurrentStreams are RST_STREAM(REFUSED_STREAM); the open ones go on', async () => {
  const client = await RawH2Client.connect(port);
  try {
    // 50 requests whose bodies never end stay open; the 51st is one too many
    for (let id = 1; id <= 101; id += 2) client.headers(id, [[':method', 'POST'], ...requestFields('/concurrent').slice(1)], false);
    const refused = await client.waitFor((f) => f.type === FRAME.RST_STREAM);
    assert.equal(refused.stream, 101);
    assert.equal(errorCode(refused), REFUSED_STREAM);
    client.send(FRAME.DATA, FLAG.END_STREAM, 1, Buffer.from('done'));
    await expectAnswer(client, 1);
    assert.equal(client.frames.filter((f) => f.type === FRAME.RST_STREAM).length, 1, 'only the stream over the limit was refused');
    assert.equal(
      client.frames.some((f) => f.type === FRAME.GOAWAY),
      false,
    );
  } finally {
    client.close();
  }
});

test('a graceful stop is two GOAWAYs: 2^31-1 and a PING, then the last stream taken once the PING is acked', async () => {
  const stopping = await startFulcrum(yaml`
    listeners:
      - name: web
        address: 127.0.0.1:0
        http2: { enabled: true, codec: fulcrum }
        routes: [ { service: app } ]
    services:
      app: { backends: [ { address: ${backend.address} } ] }
  `);
  const client = await RawH2Client.connect(portOf(stopping));
  try {
    const post = (id: number): void => client.headers(id, [[':method', 'POST'], ...requestFields('/graceful').slice(1)], false);
    post(1);
    await client.waitFor((f) => f.type === FRAME.WINDOW_UPDATE || f.type === FRAME.SETTINGS);
    const stopped = stopping.stop(5000);
    const first = await client.waitFor((f) => f.type === FRAME.GOAWAY);
    assert.equal(first.payload.readUInt32BE(0), 0x7fffffff);
    assert.equal(errorCode(first), 0);
    const ping = await client.waitFor((f) => f.type === FRAME.PING && (f.flags & FLAG.ACK) === 0);
    post(3); // on its way before the client saw the GOAWAY: still taken
    client.send(FRAME.PING, FLAG.ACK, 0, ping.payload);
    const second = await client.waitFor((f) => f.type === FRAME.GOAWAY && f !== first);
    assert.equal(second.payload.readUInt32BE(0), 3);
    post(5); // after the real last stream id: ignored
    client.send(FRAME.DATA, FLAG.END_STREAM, 1, Buffer.from('one'));
    client.send(FRAME.DATA, FLAG.END_STREAM, 3, Buffer.from('three'));
    await expectAnswer(client, 1);
    await expectAnswer(client, 3);
    await stopped;
    for (let i = 0; i < 100 && !client.closed; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(client.closed, true, 'the socket ends after the last stream');
    assert.equal(
      client.frames.some((f) => f.stream === 5),
      false,
      'stream 5 was not served',
    );
  } finally {
    client.close();
    await stopping.close();
  }
});

test('h2load -c10 -m10 through the own layer: 0 failed', async () => {
  const result = await run('h2load', ['-n', '3000', '-c', '10', '-m', '10', `http://127.0.0.1:${port}/load`], { timeoutMs: 30_000 });
  assert.match(result.stdout, /3000 succeeded, 0 failed, 0 errored/);
});

test('curl --http2-prior-knowledge through the own layer', async () => {
  const result = await run('curl', ['-sS', '--http2-prior-knowledge', '-o', '/dev/null', '-w', '%{http_version} %{http_code}', `http://127.0.0.1:${port}/curl`]);
  assert.equal(result.stdout, '2 200');
});
