// Durations and sizes as a user writes them, for the printed config: the inverse of units.ts.
// `parseDuration(formatDuration(ms)) === ms` and `parseSize(formatSize(bytes)) === bytes`.

const DURATION_PARTS: Array<[string, number]> = [
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1_000],
  ['ms', 1],
];

/** 90000 -> "1m30s", 250 -> "250ms", 0 -> "0s". */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let text = '';
  for (const [unit, size] of DURATION_PARTS) {
    const amount = Math.floor(rest / size);
    if (amount === 0) continue;
    text += `${amount}${unit}`;
    rest -= amount * size;
  }
  return text;
}

const SIZE_UNITS: Array<[string, number]> = [
  ['gb', 1024 ** 3],
  ['mb', 1024 ** 2],
  ['kb', 1024],
];

/** 10485760 -> "10mb", 1536 -> "1536b", 0 -> "0b". */
export function formatSize(bytes: number): string {
  for (const [unit, size] of SIZE_UNITS) if (bytes !== 0 && bytes % size === 0) return `${bytes / size}${unit}`;
  return `${bytes}b`;
}

/** Every key of the contract whose number is a duration (in ms); each name is one everywhere it appears. */
export const DURATION_KEYS: ReadonlySet<string> = new Set([
  'header',
  'keepAlive',
  'clientIdle',
  'idle',
  'clientHello',
  'handshake',
  'sessionTimeout',
  'connect',
  'response',
  'tunnelIdle',
  'idleTimeout',
  'drainTimeout',
  'slowStart',
  'interval',
  'timeout',
  'downInterval',
  'jitter',
  'failTimeout',
  'maxEjectionTime',
  'maxAge',
  'ttl',
  'window',
  'latency',
  'openFor',
  'resetWindow',
  'refresh',
  'nx',
  'error',
  'replyTimeout',
]);

/** Every key of the contract whose number is a size (in bytes). */
export const SIZE_KEYS: ReadonlySet<string> = new Set(['maxHeaderBytes', 'maxUriLength', 'maxBodyBytes', 'maxHeaderListSize', 'minSize']);
