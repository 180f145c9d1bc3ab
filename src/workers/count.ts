import os from 'node:os';

/** `workers: auto | N` as a number: auto is the cores this process may use. */
export function workerCount(setting: 'auto' | number): number {
  return setting === 'auto' ? Math.max(1, os.availableParallelism()) : setting;
}

/** `--workers` on the command line: auto or a whole number from 1. */
export function parseWorkers(value: string): 'auto' | number {
  if (value === 'auto') return 'auto';
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new Error(`--workers: expected auto or a whole number from 1 to 256, got "${value}"`);
  return n;
}
