import { allIn, isFieldValue, skipOws, TOKEN, trimOwsEnd } from './chars.js';
import { commonFieldName, commonLower, commonSpelling } from './common-fields.js';
import { HttpParseError } from './parse-error.js';

/** Header fields as parallel arrays: original-case names, lower-case names, values. */
export class FieldList {
  readonly names: string[] = [];
  readonly lower: string[] = [];
  readonly values: string[] = [];

  get length(): number {
    return this.names.length;
  }

  get(lowerName: string): string | undefined {
    const lower = this.lower;
    for (let i = 0; i < lower.length; i++) if (lower[i] === lowerName) return this.values[i];
    return undefined;
  }

  push(name: string, lowerName: string, value: string): void {
    this.names.push(name);
    this.lower.push(lowerName);
    this.values.push(value);
  }
}

/**
 * Parses the field lines of a head, `s[start, end)` being lines separated by CRLF
 * (without the blank line that ends the head). Strict: obs-fold, a space before the
 * colon, an invalid name, a bare CR or LF, NUL or other control bytes are refused
 * with `status` (400 for requests; the caller maps it for responses).
 */
export function parseFieldLines(s: string, start: number, end: number, into: FieldList, maxFields: number, status: number): void {
  let lineStart = start;
  while (lineStart < end) {
    let lineEnd = s.indexOf('\r\n', lineStart);
    if (lineEnd === -1 || lineEnd > end) lineEnd = end;
    const first = s.charCodeAt(lineStart);
    if (first === 0x20 || first === 0x09) throw new HttpParseError(status, 'obsolete line folding');
    const colon = s.indexOf(':', lineStart);
    if (colon === -1 || colon >= lineEnd) throw new HttpParseError(status, 'header line without a colon');
    if (colon === lineStart) throw new HttpParseError(status, 'empty header name');
    const common = commonFieldName(s, lineStart, colon);
    if (common === -1 && !allIn(s, lineStart, colon, TOKEN)) {
      const before = s.charCodeAt(colon - 1);
      throw new HttpParseError(status, before === 0x20 || before === 0x09 ? 'whitespace before the colon' : 'invalid header name');
    }
    const valueStart = skipOws(s, colon + 1, lineEnd);
    const valueEnd = trimOwsEnd(s, valueStart, lineEnd);
    if (!isFieldValue(s, valueStart, valueEnd)) {
      throw new HttpParseError(status, 'invalid character in header value');
    }
    if (into.length >= maxFields) throw new HttpParseError(status === 400 ? 431 : status, 'too many header fields');
    const value = s.slice(valueStart, valueEnd);
    if (common !== -1) {
      into.push(commonSpelling(common), commonLower(common), value);
    } else {
      const name = s.slice(lineStart, colon);
      into.push(name, name.toLowerCase(), value);
    }
    lineStart = lineEnd + 2;
  }
}

/** Splits a comma-separated list value into lower-cased, trimmed, non-empty items. */
export function splitList(value: string, into: string[]): void {
  let start = 0;
  while (start <= value.length) {
    let comma = value.indexOf(',', start);
    if (comma === -1) comma = value.length;
    const s = skipOws(value, start, comma);
    const e = trimOwsEnd(value, s, comma);
    if (e > s) into.push(value.slice(s, e).toLowerCase());
    start = comma + 1;
  }
}

/** Whether the connection stays open after this message (RFC 9112 9.3): 1.1 unless "close", 1.0 only with "keep-alive". */
export function persists(version: number, connectionTokens: readonly string[] | null): boolean {
  if (connectionTokens === null) return version === 11;
  if (connectionTokens.includes('close')) return false;
  return version === 11 || connectionTokens.includes('keep-alive');
}
