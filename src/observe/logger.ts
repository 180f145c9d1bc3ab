import pino from 'pino';

export type Logger = pino.Logger;

/** The process logger: JSON lines on stderr, so stdout stays free for banners and tools. */
export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'fulcrum' } }, pino.destination({ fd: 2, sync: false }));
}

export const silentLogger: Logger = pino({ level: 'silent' });
