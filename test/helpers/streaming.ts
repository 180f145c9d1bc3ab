// Load for streaming tests: a writer as fast as backpressure allows, a reader held to a rate.
import type { Readable, Writable } from 'node:stream';

/** Writes `total` bytes (a block repeated) as fast as `stream` drains, then ends it. */
export async function writeBytes(stream: Writable, total: number, blockSize = 1024 * 1024): Promise<void> {
  const block = Buffer.alloc(blockSize, 0x61);
  let left = total;
  while (left > 0) {
    const piece = left >= block.length ? block : block.subarray(0, left);
    left -= piece.length;
    if (!stream.write(piece)) {
      await new Promise<void>((resolve, reject) => {
        const onDrain = (): void => {
          stream.off('close', onClose);
          resolve();
        };
        const onClose = (): void => {
          stream.off('drain', onDrain);
          reject(new Error(`stream closed with ${left + piece.length} bytes left to write`));
        };
        stream.once('drain', onDrain);
        stream.once('close', onClose);
      });
    }
  }
  await new Promise<void>((resolve) => stream.end(resolve));
}

/**
 * Reads `stream` to its end no faster than `bytesPerSecond` (pausing it when ahead), and
 * resolves with the number of bytes read.
 */
export function readThrottled(stream: Readable, bytesPerSecond: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    let received = 0;
    let timer: NodeJS.Timeout | null = null;
    stream.on('data', (chunk: Buffer) => {
      received += chunk.length;
      const dueMs = (received / bytesPerSecond) * 1000 - (Date.now() - started);
      if (dueMs > 5 && timer === null) {
        stream.pause();
        timer = setTimeout(() => {
          timer = null;
          stream.resume();
        }, dueMs);
      }
    });
    stream.once('end', () => resolve(received));
    stream.once('error', reject);
    stream.once('close', () => {
      if (timer !== null) clearTimeout(timer);
      if (!stream.readableEnded) reject(new Error(`stream closed after ${received} bytes`));
    });
  });
}
