// Validators and ranges of static responses (RFC 9110 8.8, 13, 14): ETag, Last-Modified,
// If-None-Match / If-Modified-Since (304), If-Range and a single byte Range (206 / 416).

/** A strong ETag from the file's modification time and size, as nginx builds it. */
export function fileEtag(mtimeMs: number, size: number): string {
  return '"' + Math.floor(mtimeMs).toString(16) + '-' + size.toString(16) + '"';
}

/** If-None-Match against our ETag, weak comparison (a W/ prefix is ignored); `*` matches any. */
export function etagMatches(ifNoneMatch: string, etag: string): boolean {
  const ours = stripWeak(etag);
  for (const item of ifNoneMatch.split(',')) {
    const tag = item.trim();
    if (tag === '*' || stripWeak(tag) === ours) return true;
  }
  return false;
}

function stripWeak(tag: string): string {
  return tag.startsWith('W/') ? tag.slice(2) : tag;
}

/** If-Modified-Since: not modified when the file's mtime (to the second) is not after the date. */
export function notModifiedSince(ifModifiedSince: string, mtimeMs: number): boolean {
  const since = Date.parse(ifModifiedSince);
  if (Number.isNaN(since)) return false;
  return Math.floor(mtimeMs / 1000) <= Math.floor(since / 1000);
}

/** If-Range: the range applies only if the validator is our strong ETag or our exact Last-Modified. */
export function ifRangeAllows(ifRange: string, etag: string, lastModified: string): boolean {
  const value = ifRange.trim();
  if (value.startsWith('"')) return value === etag;
  if (value.startsWith('W/')) return false;
  return value === lastModified;
}

export type ByteRange = { start: number; end: number };

/**
 * One `bytes=` range of a body of `size` bytes, inclusive. null: ignore the header (not bytes, a
 * malformed or multi-range request: the whole body is sent); 'unsatisfiable': answer 416.
 */
export function parseRange(header: string, size: number): ByteRange | 'unsatisfiable' | null {
  const match = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (match === null) return null;
  const [, first, last] = match;
  if (first === '' && last === '') return null;
  if (first === '') {
    // suffix: the last N bytes
    const n = Number(last);
    if (n === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (last !== '' && Number(last) < start) return null; // invalid: ignored
  if (start >= size) return 'unsatisfiable';
  return { start, end };
}
