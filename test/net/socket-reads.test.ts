import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { ownBytes, readIntoSharedBuffer, resetDetectionForTests } from '../../src/net/socket-reads.js';
import { socketPair } from '../helpers/socket-pair.js';

test('an accepted plain socket reads into the shared buffer; pause, resume and end still work', async () => {
  const { server, client, close } = await socketPair();
  const received: string[] = [];
  let firstBuffer: ArrayBufferLike | null = null;
  let onReceived: (() => void) | null = null;
  const installed = readIntoSharedBuffer(server, (length, buffer) => {
    firstBuffer ??= buffer.buffer;
    assert.equal(buffer.buffer, firstBuffer, 'every read lands in the same buffer');
    received.push(buffer.toString('latin1', 0, length));
    onReceived?.();
  });
  assert.equal(installed, true, `supported on ${process.version}`);
  let dataEvents = 0;
  server.on('data', () => dataEvents++);

  const next = (): Promise<void> => new Promise((resolve) => (onReceived = resolve));
  let arrived = next();
  client.write('one');
  await arrived;
  assert.deepEqual(received, ['one']);

  server.pause();
  client.write('two');
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.deepEqual(received, ['one'], 'nothing is read while paused');
  arrived = next();
  server.resume();
  await arrived;
  assert.deepEqual(received, ['one', 'two']);

  const ended = once(server, 'end');
  client.end();
  await ended;
  assert.equal(dataEvents, 0, 'no data events in this mode');
  close();
});

test('ownBytes copies what lies in the shared buffer and leaves other buffers alone', async () => {
  const { server, client, close } = await socketPair();
  let kept: Buffer | null = null;
  let borrowed: Buffer | null = null;
  const arrived = new Promise<void>((resolve) => {
    readIntoSharedBuffer(server, (length, buffer) => {
      borrowed = buffer.subarray(0, length);
      kept = ownBytes(borrowed);
      resolve();
    });
  });
  client.write('keep me');
  await arrived;
  assert.notEqual(kept!.buffer, borrowed!.buffer);
  assert.equal(kept!.toString(), 'keep me');
  const other = Buffer.from('x');
  assert.equal(ownBytes(other), other);
  close();
});

test('falls back (changes nothing) when bytes are already buffered, or on a Node without these internals', async () => {
  const { server, client, close } = await socketPair();
  server.pause();
  server.unshift(Buffer.from('early'));
  assert.equal(
    readIntoSharedBuffer(server, () => assert.fail('not installed')),
    false,
  );
  const chunks: string[] = [];
  server.on('data', (chunk: Buffer) => chunks.push(chunk.toString()));
  server.resume();
  client.write('!');
  while (chunks.join('') !== 'early!') await new Promise((resolve) => setTimeout(resolve, 5));
  close();

  const second = await socketPair();
  resetDetectionForTests(null); // as if the fields were not found
  try {
    assert.equal(
      readIntoSharedBuffer(second.server, () => assert.fail('not installed')),
      false,
    );
    const data = once(second.server, 'data');
    second.client.write('plain');
    assert.equal(String((await data)[0]), 'plain');
  } finally {
    resetDetectionForTests();
    second.close();
  }
});

test('a socket without a handle of that shape is left alone', () => {
  const socket = new net.Socket();
  assert.equal(
    readIntoSharedBuffer(socket, () => {}),
    false,
  );
  socket.destroy();
});

test('a TLS socket reads its decrypted bytes into the shared buffer', async () => {
  const { generateKeyPairSync } = await import('node:crypto');
  const { execFileSync } = await import('node:child_process');
  const { mkdtempSync, readFileSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const tls = await import('node:tls');
  const dir = mkdtempSync(join(tmpdir(), 'socket-reads-'));
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  writeFileSync(join(dir, 'key.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
  execFileSync('openssl', ['req', '-x509', '-key', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
  const big = 'x'.repeat(100_000);
  let total = '';
  let installed = false;
  const done = new Promise<void>((resolve) => {
    const server = tls.createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (socket) => {
      installed = readIntoSharedBuffer(socket, (length, buffer) => {
        total += buffer.toString('latin1', 0, length);
        if (total.endsWith('end')) socket.end('bye');
      });
      socket.on('close', () => {
        server.close();
        resolve();
      });
    });
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      const client = tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false }, () => client.write('hello' + big + 'end'));
      client.on('data', () => client.end());
    });
  });
  await done;
  assert.equal(installed, true);
  assert.equal(total, 'hello' + big + 'end');
});
