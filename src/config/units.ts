// Durations and sizes as users write them: `5s`, `250ms`, `1m30s`, `16kb`, or a plain number
// (milliseconds, bytes). Each parser returns undefined for anything it does not understand so the
// schema can say what was expected.

const DURATION_UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;
const DURATION_PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
const DURATION_WHOLE = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/;

/** `5s` -> 5000, `1m30s` -> 90000, `250ms` -> 250, 1500 -> 1500 (a number is milliseconds). */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? Math.round(value) : undefined;
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (!DURATION_WHOLE.test(text)) return undefined;
  let ms = 0;
  // DURATION_WHOLE matched, so every unit is one of DURATION_UNIT_MS's
  for (const [, amount, unit] of text.matchAll(DURATION_PART)) ms += Number(amount) * DURATION_UNIT_MS[unit as keyof typeof DURATION_UNIT_MS];
  return Math.round(ms);
}

// Binary multiples: 1kb = 1024 bytes, as nginx and haproxy read them.
const SIZE_UNIT_BYTES = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 } as const;
const SIZE = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)$/i;

/** `16kb` -> 16384, `10mb` -> 10485760, 512 -> 512 (a number is bytes). */
export function parseSize(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const [, amount, unit] = SIZE.exec(value.trim()) ?? [];
  if (amount === undefined || unit === undefined) return undefined;
  return Math.round(Number(amount) * SIZE_UNIT_BYTES[unit.toLowerCase() as keyof typeof SIZE_UNIT_BYTES]);
}
