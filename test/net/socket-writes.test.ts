import { test } from 'node:test';
import assert from 'node:assert/strict';
import type net from 'node:net';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { SocketWriter, resetWriteDetectionForTests } from '../../src/net/socket-writes.js';
import { socketPair } from '../helpers/socket-pair.js';

/** Counts the writes that went through the socket's Writable. */
function countStreamWrites(socket: net.Socket): { count: number } {
  const seen = { count: 0 };
  const s = socket as unknown as { _write: (...a: unknown[]) => void; _writev: (...a: unknown[]) => void };
  const write = s._write.bind(socket);
  const writev = s._writev.bind(socket);
  s._write = (...a) => {
    seen.count++;
    write(...a);
  };
  s._writev = (...a) => {
    seen.count++;
    writev(...a);
  };
  return seen;
}

function collect(socket: net.Socket): Promise<Buffer> {
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  return once(socket, 'end').then(() => Buffer.concat(chunks));
}

test('writes the kernel takes at once skip the Writable and arrive in order', async () => {
  const { server, client, close } = await socketPair();
  const streamWrites = countStreamWrites(server);
  const writer = new SocketWriter(server);
  const received = collect(client);
  assert.equal(writer.write('HTTP/1.1 200 OK\r\n'), true);
  assert.equal(writer.write(Buffer.from('content-length: 2\r\n\r\n')), true);
  assert.equal(writer.write('ok'), true);
  assert.equal(writer.queued, 0);
  assert.equal(streamWrites.count, 0, `direct writes on ${process.version}`);
  server.end();
  assert.equal((await received).toString(), 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok');
  close();
});

test('a reader that falls behind: false, then one drain; every byte in order, mixed with socket.write and end', async () => {
  const { server, client, close } = await socketPair();
  const writer = new SocketWriter(server);
  const received = collect(client);
  client.pause();
  const hash = createHash('sha256');
  let sent = 0;
  let drains = 0;
  server.on('drain', () => drains++);
  let waited = false;
  for (let i = 0; i < 400; i++) {
    const piece = i % 3 === 0 ? `${i}:`.padEnd(1000 + i, 'x') : Buffer.alloc(64 * 1024 + i, i & 0xff);
    hash.update(typeof piece === 'string' ? Buffer.from(piece, 'latin1') : piece);
    sent += piece.length;
    // now and then through the ordinary path: it must land behind what is queued
    const ok = i % 7 === 0 ? server.write(piece) : writer.write(piece);
    if (!ok && !waited) {
      waited = true;
      assert.ok(writer.queued > 0, 'something is queued');
      const drained = once(server, 'drain');
      client.resume();
      await drained;
      client.pause();
    }
  }
  assert.equal(waited, true, 'the writer said wait at least once');
  assert.ok(drains >= 1);
  client.resume();
  server.end();
  const bytes = await received;
  assert.equal(bytes.length, sent);
  assert.equal(createHash('sha256').update(bytes).digest('hex'), hash.digest('hex'));
  assert.equal(writer.queued, 0);
  close();
});

test('a socket destroyed with writes queued closes cleanly; a write to a reset peer destroys the socket with the error', async () => {
  {
    const { server, client, close } = await socketPair();
    const writer = new SocketWriter(server);
    client.pause();
    while (writer.write(Buffer.alloc(256 * 1024))) {
      /* fill until it says wait */
    }
    assert.ok(writer.queued > 0);
    const closed = once(server, 'close');
    server.destroy();
    await closed;
    close();
  }
  {
    const { server, client, close } = await socketPair();
    const writer = new SocketWriter(server);
    const failed = new Promise<NodeJS.ErrnoException>((resolve) => server.once('error', resolve));
    client.resetAndDestroy();
    // the peer is gone: within a few writes the kernel says so
    const timer = setInterval(() => {
      if (!server.destroyed) writer.write(Buffer.alloc(1024));
    }, 5);
    const error = await failed;
    clearInterval(timer);
    assert.ok(['EPIPE', 'ECONNRESET'].includes(error.code ?? ''), `got ${error.code}`);
    assert.equal(server.destroyed, true);
    close();
  }
});

test('corked sockets, and Nodes without the pieces, write through socket.write', async () => {
  const { server, client, close } = await socketPair();
  const streamWrites = countStreamWrites(server);
  const received = collect(client);
  const writer = new SocketWriter(server);
  server.cork();
  writer.write('a');
  writer.write(Buffer.from('b'));
  server.uncork();
  assert.ok(streamWrites.count >= 1, 'the corked writes went through the Writable');
  resetWriteDetectionForTests(null);
  try {
    const before = streamWrites.count;
    new SocketWriter(server).write('c');
    assert.equal(streamWrites.count, before + 1);
  } finally {
    resetWriteDetectionForTests();
  }
  server.end();
  assert.equal((await received).toString(), 'abc');
  close();
});
