// Where a request head ends in the bytes received so far, and what can be refused before it does.
import { HttpParseError } from './parse-error.js';

const CRLFCRLF = Buffer.from('\r\n\r\n');

/** Limits a head is checked against while it is still arriving. */
export interface HeadLimits {
  readonly maxHeaderBytes: number;
  readonly maxUriLength: number;
}

/**
 * Finds the blank line that ends a head in `buf`, looking from `scanFrom` (what was already
 * scanned holds no end). Returns its offset, or -1 while the head is incomplete. Throws an
 * HttpParseError for what can never become a valid head: a bare LF (400), a request line
 * over the URI limit (414), a head over the size limit (431).
 */
export function findHeadEnd(buf: Buffer, scanFrom: number, limits: HeadLimits): number {
  const end = buf.indexOf(CRLFCRLF, scanFrom);
  if (end !== -1) {
    if (end + 4 > limits.maxHeaderBytes) throw new HttpParseError(431, 'request head too large');
    return end;
  }
  if (hasBareLf(buf, scanFrom)) throw new HttpParseError(400, 'bare LF in request head');
  if (buf.indexOf(0x0a) === -1 && buf.length > limits.maxUriLength + 32) throw new HttpParseError(414, 'request line too long');
  if (buf.length > limits.maxHeaderBytes) throw new HttpParseError(431, 'request head too large');
  return -1;
}

/** Where the next scan of a grown buffer can start: the end marker may straddle the last 3 bytes. */
export function nextScanFrom(buf: Buffer): number {
  return Math.max(0, buf.length - 3);
}

function hasBareLf(buf: Buffer, from: number): boolean {
  for (let i = buf.indexOf(0x0a, from); i !== -1; i = buf.indexOf(0x0a, i + 1)) {
    if (i === 0 || buf[i - 1] !== 0x0d) return true;
  }
  return false;
}
