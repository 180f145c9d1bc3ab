// A pino logger whose lines a test can read (Fulcrum logs JSON lines).
import { Writable } from 'node:stream';
import pino from 'pino';
import type { Logger } from '../../src/observe/logger.js';

export function captureLogger(): { logger: Logger; lines: () => Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString().split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines: () => lines };
}
