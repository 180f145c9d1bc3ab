import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChunkedDecoder, lastChunk, MAX_EXTENSION_BYTES_PER_CHUNK, MAX_EXTENSION_BYTES_PER_MESSAGE } from '../../src/http/h1/chunked.js';
import { HttpParseError } from '../../src/http/h1/parse-error.js';

function decodeInPieces(input: string, pieceSize: number) {
  const parts: Buffer[] = [];
  const decoder = new ChunkedDecoder({ chunkData: (data) => parts.push(Buffer.from(data)) }, 400);
  const bytes = Buffer.from(input, 'latin1');
  let end = -1;
  for (let i = 0; i < bytes.length && end === -1; i += pieceSize) {
    const piece = bytes.subarray(i, i + pieceSize);
    const at = decoder.feed(piece, 0);
    if (at !== -1) end = i + at;
  }
  return { body: Buffer.concat(parts).toString('latin1'), end, decoder };
}

test('decodes chunks split at every possible boundary, with extensions and trailers', () => {
  const message = '5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Sum: abc\r\n\r\nNEXT';
  for (const size of [1, 2, 3, 5, 7, 100]) {
    const { body, end, decoder } = decodeInPieces(message, size);
    assert.equal(body, 'hello world', `piece size ${size}`);
    assert.equal(end, message.length - 4, `piece size ${size}`);
    assert.equal(decoder.trailers?.get('x-sum'), 'abc');
  }
});

test('re-serialises the last chunk with trailers, dropping framing fields', () => {
  const { decoder } = decodeInPieces('0\r\nX-A: 1\r\nContent-Length: 9\r\n\r\n', 100);
  assert.equal(
    lastChunk(decoder.trailers, (name) => name === 'content-length'),
    '0\r\nX-A: 1\r\n\r\n',
  );
  assert.equal(lastChunk(null), '0\r\n\r\n');
});

test('refuses broken framing', () => {
  for (const bad of ['x\r\n', '5\nhello\r\n', '5\r\nhelloX\r\n', '5\r\nhello\n', ';\r\n', '1234567890abc\r\n', '0\r\nBad Name: x\r\n\r\n', '1;a\u0001\r\n']) {
    assert.throws(() => decodeInPieces(bad, 100), HttpParseError, JSON.stringify(bad));
  }
});

test('chunk extensions are bounded per chunk line and per message, refused as they arrive', () => {
  // per line: refused inside the extension, before its end (no CRLF was ever sent)
  const decoder = new ChunkedDecoder({ chunkData: () => {} }, 400);
  assert.throws(
    () => decoder.feed(Buffer.from('1;' + 'a'.repeat(MAX_EXTENSION_BYTES_PER_CHUNK + 1), 'latin1'), 0),
    (error: unknown) => error instanceof HttpParseError && error.status === 400 && /extension too long/.test(error.reason),
  );
  // exactly at the per-line limit is fine
  const ok = decodeInPieces('1;' + 'a'.repeat(MAX_EXTENSION_BYTES_PER_CHUNK - 1) + '\r\nx\r\n0\r\n\r\n', 1000);
  assert.equal(ok.body, 'x');
  // per message: many lines each under the line limit add up
  const line = '1;' + 'b'.repeat(MAX_EXTENSION_BYTES_PER_CHUNK - 1) + '\r\nx\r\n';
  const lines = Math.ceil(MAX_EXTENSION_BYTES_PER_MESSAGE / MAX_EXTENSION_BYTES_PER_CHUNK) + 1;
  assert.throws(
    () => decodeInPieces(line.repeat(lines) + '0\r\n\r\n', 997),
    (error: unknown) => error instanceof HttpParseError && /extensions too large/.test(error.reason),
  );
  // the response side answers with its own status
  const response = new ChunkedDecoder({ chunkData: () => {} }, 502);
  assert.throws(
    () => response.feed(Buffer.from('1;' + 'a'.repeat(MAX_EXTENSION_BYTES_PER_CHUNK + 1), 'latin1'), 0),
    (error: unknown) => error instanceof HttpParseError && error.status === 502,
  );
});
