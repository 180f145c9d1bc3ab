// Durations and sizes as users write them: `5s`, `250ms`, `1m30s`, `16kb`, or a plain number
// (milliseconds, bytes). Each parser returns undefined for anything it does not understand so the
// schema can say what was expected.

const DURATION_UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
const DURATION_PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
const DURATION_WHOLE = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/;

/** `5s` -> 5000, `1m30s` -> 90000, `250ms` -> 250, 1500 -> 1500 (a number is milliseconds). */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? Math.round(value) : undefined;
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (!DURATION_WHOLE.test(text)) return undefined;
  let ms = 0;
  for (const [, amount, unit] of text.matchAll(DURATION_PART)) ms += Number(amount) * DURATION_UNIT_MS[unit];
  return Math.round(ms);
}

// Binary multiples: 1kb = 1024 bytes, as nginx and haproxy read them.
const SIZE_UNIT_BYTES: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };
const SIZE = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)$/i;

/** `16kb` -> 16384, `10mb` -> 10485760, 512 -> 512 (a number is bytes). */
export function parseSize(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const match = SIZE.exec(value.trim());
  if (!match) return undefined;
  return Math.round(Number(match[1]) * SIZE_UNIT_BYTES[match[2].toLowerCase()]);
}
