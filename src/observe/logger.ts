import pino from 'pino';
import { prettyDestination } from './pretty-log.js';

export type Logger = pino.Logger;

export type LogFormat = 'pretty' | 'json';

/**
 * The process logger, on stderr so stdout stays free for banners and tools: JSON lines, or
 * `pretty` readable lines. Without a format: pretty when stderr (where the lines go) is a terminal.
 */
export function createLogger(level: string, format?: LogFormat): Logger {
  const pretty = format === undefined ? process.stderr.isTTY === true : format === 'pretty';
  const destination = pretty ? prettyDestination(process.stderr) : pino.destination({ fd: 2, sync: false });
  return pino({ level, base: { service: 'fulcrum' } }, destination);
}

export const silentLogger: Logger = pino({ level: 'silent' });
