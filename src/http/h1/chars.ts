// Byte classes of RFC 9110/9112, as lookup tables indexed by char code.

function table(predicate: (c: number) => boolean): Uint8Array {
  const t = new Uint8Array(256);
  for (let c = 0; c < 256; c++) t[c] = predicate(c) ? 1 : 0;
  return t;
}

const TCHAR_SPECIALS = "!#$%&'*+-.^_`|~";

/** token characters: header names, methods, transfer codings */
export const TOKEN = table((c) => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || TCHAR_SPECIALS.includes(String.fromCharCode(c)));

/** request-target characters: visible ASCII except '#'; no spaces, controls or bytes >= 0x80 */
export const TARGET = table((c) => c > 0x20 && c < 0x7f && c !== 0x23);

export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) if (TOKEN[s.charCodeAt(i)] !== 1) return false;
  return true;
}

export function allIn(s: string, start: number, end: number, t: Uint8Array): boolean {
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c > 255 || t[c] !== 1) return false;
  }
  return true;
}

/**
 * Whether `s[start, end)` is all field-value characters: VCHAR, SP, HTAB and obs-text; no NUL, CR,
 * LF or other controls. Comparisons rather than a table: values are most of a head's bytes, and
 * this loop is cheaper than a table load per char.
 */
export function isFieldValue(s: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 ? c !== 0x09 : c === 0x7f || c > 0xff) return false;
  }
  return true;
}

/** Index of the first char that is neither SP nor HTAB, from `start`. */
export function skipOws(s: string, start: number, end: number): number {
  while (start < end) {
    const c = s.charCodeAt(start);
    if (c !== 0x20 && c !== 0x09) break;
    start++;
  }
  return start;
}

/** End index with trailing SP/HTAB removed. */
export function trimOwsEnd(s: string, start: number, end: number): number {
  while (end > start) {
    const c = s.charCodeAt(end - 1);
    if (c !== 0x20 && c !== 0x09) break;
    end--;
  }
  return end;
}
