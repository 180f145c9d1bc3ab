// Interop with a real HPACK peer: node:http2 (nghttp2). Its client's header blocks, captured on
// the wire, are decoded by our decoder; our encoder's response blocks are decoded by its client.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net from 'node:net';
import { once } from 'node:events';
import { CONNECTION_PREFACE, Flag, FrameType, Setting } from '../../../src/http/h2/wire/constants.js';
import { FrameReader } from '../../../src/http/h2/wire/frame-reader.js';
import { headersFrames, parseSettings, settingsAck, settingsFrame } from '../../../src/http/h2/wire/frame-writer.js';
import { HpackDecoder, HpackEncoder } from '../../../src/http/h2/wire/hpack.js';

/** Reads a client's byte stream: the preface, then frames; joins HEADERS + CONTINUATION into blocks. */
class ClientStream {
  private preface = Buffer.alloc(0);
  private pending: Buffer[] = [];
  private pendingStream = 0;
  private readonly reader: FrameReader;

  constructor(onBlock: (streamId: number, block: Buffer) => void, onOther: (type: number, flags: number, streamId: number, payload: Buffer) => void = () => {}) {
    this.reader = new FrameReader(
      {
        onFrame: (type, flags, streamId, payload) => {
          if (type === FrameType.HEADERS || type === FrameType.CONTINUATION) {
            if (type === FrameType.HEADERS) this.pendingStream = streamId;
            assert.equal(flags & (Flag.PADDED | Flag.PRIORITY), 0, 'node:http2 sends neither padding nor priority');
            this.pending.push(Buffer.from(payload));
            if ((flags & Flag.END_HEADERS) !== 0) {
              onBlock(this.pendingStream, Buffer.concat(this.pending));
              this.pending = [];
            }
          } else {
            onOther(type, flags, streamId, payload);
          }
        },
      },
      1 << 24,
    );
  }

  push(chunk: Buffer): void {
    if (this.preface.length < CONNECTION_PREFACE.length) {
      const take = Math.min(CONNECTION_PREFACE.length - this.preface.length, chunk.length);
      this.preface = Buffer.concat([this.preface, chunk.subarray(0, take)]);
      chunk = chunk.subarray(take);
      if (this.preface.length === CONNECTION_PREFACE.length) assert.deepEqual(this.preface, CONNECTION_PREFACE);
    }
    if (chunk.length > 0) this.reader.push(chunk);
  }
}

function requestHeaders(i: number): http2.OutgoingHttpHeaders {
  return {
    ':method': i % 3 === 0 ? 'POST' : 'GET',
    ':path': '/items/' + i + '?q=' + 'z'.repeat(i % 40),
    'user-agent': 'interop-test/1.0',
    accept: i % 2 === 0 ? 'application/json' : 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.8',
    'x-request-seq': String(i),
    // large and varying: fills the client's 4096-byte table and evicts from it
    'x-padding': String.fromCharCode(0x41 + (i % 26)).repeat(300 + (i % 9) * 150),
    cookie: 'session=' + 'c'.repeat(i % 5) + '; theme=dark',
    'x-latin1': 'caf\u00e9 \u00ff',
  };
}

test('node:http2 client header blocks captured on the wire decode to what its server saw', async () => {
  const seen = new Map<number, string[]>();
  const server = http2.createServer();
  server.on('stream', (stream: http2.ServerHttp2Stream, _headers: http2.IncomingHttpHeaders, _flags: number, rawHeaders: string[]) => {
    seen.set(stream.id!, rawHeaders);
    stream.respond({ ':status': 204 });
    stream.end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');

  // a proxy in between tees the client's bytes into our frame reader
  const decoder = new HpackDecoder({ maxTableSize: 4096, maxHeaderListSize: 1 << 20, maxHeaders: 200 });
  const decoded = new Map<number, string[]>();
  const proxy = net.createServer((client) => {
    const upstream = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
    const tee = new ClientStream((streamId, block) => {
      const result = decoder.decode(block);
      assert.equal(result.tooLarge, false);
      decoded.set(streamId, result.headers);
    });
    client.on('data', (chunk: Buffer) => {
      tee.push(chunk);
      upstream.write(chunk);
    });
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  proxy.listen(0, '127.0.0.1');
  await once(proxy, 'listening');

  const session = http2.connect(`http://127.0.0.1:${(proxy.address() as net.AddressInfo).port}`);
  const count = 120;
  for (let i = 0; i < count; i++) {
    const request = session.request(requestHeaders(i), { endStream: i % 3 !== 0 });
    if (i % 3 === 0) request.end('body');
    request.resume();
    await once(request, 'close');
  }
  session.close();
  await once(session, 'close');
  proxy.close();
  server.close();

  assert.equal(decoded.size, count);
  for (const [streamId, headers] of decoded) {
    // the server's rawHeaders are in wire order too
    assert.deepEqual(headers, seen.get(streamId), `stream ${streamId}`);
  }
  assert.ok(decoder.table.length > 0, 'the client used its dynamic table');
});

test('our encoder response blocks are decoded by a node:http2 client, over table sizes that make it evict', async () => {
  for (const clientTableSize of [4096, 256, 0]) {
    const encoder = new HpackEncoder();
    const server = net.createServer((socket) => {
      socket.write(settingsFrame([[Setting.MAX_CONCURRENT_STREAMS, 100]]));
      const requests = new ClientStream(
        (streamId) => {
          const status = [200, 201, 302, 404, 418, 503][streamId % 6]!;
          socket.write(headersFrames(streamId, encoder.encodeResponse(status, responseHeaders(streamId)), true, 16384));
        },
        (type, flags, _streamId, payload) => {
          if (type !== FrameType.SETTINGS || (flags & Flag.ACK) !== 0) return;
          for (const [id, value] of parseSettings(payload)) if (id === Setting.HEADER_TABLE_SIZE) encoder.setMaxTableSize(value);
          socket.write(settingsAck());
        },
      );
      socket.on('data', (chunk: Buffer) => requests.push(chunk));
      socket.on('error', () => {});
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');

    const session = http2.connect(`http://127.0.0.1:${(server.address() as net.AddressInfo).port}`, {
      settings: { headerTableSize: clientTableSize, maxHeaderListSize: 1 << 20 },
      maxHeaderListPairs: 256,
    });
    session.on('error', () => {});
    for (let i = 0; i < 150; i++) {
      const request = session.request({ ':path': '/' + i });
      const [headers] = (await once(request, 'response')) as [http2.IncomingHttpHeaders];
      const streamId = request.id!;
      assert.equal(headers[':status'], [200, 201, 302, 404, 418, 503][streamId % 6], `stream ${streamId}`);
      const expected = responseHeaders(streamId);
      for (let f = 0; f < expected.length; f += 2) {
        const got = headers[expected[f]!];
        const value = Array.isArray(got) ? got.join(', ') : got;
        if (expected[f] === 'set-cookie') assert.deepEqual(got, [expected[f + 1]]);
        else assert.equal(value, expected[f + 1], `stream ${streamId}: ${expected[f]}`);
      }
      request.resume();
      request.close();
    }
    session.close();
    server.close();
    assert.ok(encoder.table.size <= clientTableSize, `our table kept to the client's ${clientTableSize}`);
    if (clientTableSize > 0) assert.ok(encoder.table.inserted > encoder.table.length, 'entries were evicted');
  }
});

function responseHeaders(streamId: number): string[] {
  const headers = [
    'content-type',
    streamId % 2 === 0 ? 'application/json' : 'text/html; charset=utf-8',
    'server',
    'fulcrum',
    'cache-control',
    'no-store',
    'vary',
    'accept-encoding',
    'date',
    'Mon, 21 Oct 2013 20:13:' + String(streamId % 60).padStart(2, '0') + ' GMT',
    'x-seq',
    String(streamId),
    'x-padding',
    String.fromCharCode(0x61 + (streamId % 26)).repeat(200 + (streamId % 7) * 100),
    'set-cookie',
    'id=' + streamId + '; HttpOnly',
  ];
  // now and then a block larger than one frame: HEADERS + CONTINUATION
  if (streamId % 25 === 1) headers.push('x-large', 'L'.repeat(40000));
  return headers;
}
