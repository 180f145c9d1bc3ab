// The one rule for an authority (HTTP/1.1 Host, the absolute-form target's authority, HTTP/2
// :authority): RFC 3986 3.2.2/3.2.3 without userinfo, by char codes, no regex, no allocation.
//   authority = host [ ":" port ]      port = 1*5DIGIT, at most 65535 (an empty port is refused)
//   host      = IP-literal / reg-name  (an IPv4address is a reg-name syntactically; "300.1.1.1"
//               is therefore a reg-name, as in RFC 3986, nginx and HAProxy)
//   IP-literal = "[" ( IPv6address / IPvFuture ) "]"   (no zone identifier)

/** reg-name characters: unreserved / sub-delims ('%' is checked as pct-encoded apart) */
const REG_NAME = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const alnum = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
  if (alnum || "-._~!$&'()*+,;=".includes(String.fromCharCode(c))) REG_NAME[c] = 1;
}

/**
 * Validates `s` as an authority. Returns the end of its host (the index of the port's ':', or
 * `s.length`), or -1 when it is not a valid authority. An empty string is not one.
 */
export function authorityHostEnd(s: string): number {
  const n = s.length;
  if (n === 0) return -1;
  let hostEnd: number;
  if (s.charCodeAt(0) === 0x5b) {
    const close = s.indexOf(']', 1);
    if (close === -1) return -1;
    if (!isIpLiteralBody(s, 1, close)) return -1;
    hostEnd = close + 1;
  } else {
    hostEnd = regNameEnd(s, n);
    if (hostEnd === -1) return -1;
  }
  if (hostEnd === n) return hostEnd;
  if (s.charCodeAt(hostEnd) !== 0x3a) return -1;
  return isPort(s, hostEnd + 1, n) ? hostEnd : -1;
}

/** The lower-cased host of a valid authority, without its port (for routing). */
export function hostOf(authority: string, hostEnd: number): string {
  return (hostEnd === authority.length ? authority : authority.slice(0, hostEnd)).toLowerCase();
}

/** Index where a reg-name starting at 0 ends (a ':' or the end), or -1 for a bad character. */
function regNameEnd(s: string, n: number): number {
  let i = 0;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === 0x3a) return i === 0 ? -1 : i;
    if (c === 0x25) {
      if (i + 2 >= n || !isHex(s.charCodeAt(i + 1)) || !isHex(s.charCodeAt(i + 2))) return -1;
      i += 3;
      continue;
    }
    if (c >= 128 || REG_NAME[c] !== 1) return -1;
    i++;
  }
  return n;
}

function isPort(s: string, start: number, end: number): boolean {
  const digits = end - start;
  if (digits < 1 || digits > 5) return false;
  let value = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
    value = value * 10 + (c - 0x30);
  }
  return value <= 65535;
}

function isIpLiteralBody(s: string, start: number, end: number): boolean {
  if (start >= end) return false;
  const c = s.charCodeAt(start);
  return c === 0x76 || c === 0x56 ? isIpvFuture(s, start + 1, end) : isIpv6(s, start, end);
}

/** IPvFuture after its "v": 1*HEXDIG "." 1*( unreserved / sub-delims / ":" ) */
function isIpvFuture(s: string, start: number, end: number): boolean {
  let i = start;
  while (i < end && isHex(s.charCodeAt(i))) i++;
  if (i === start || i >= end || s.charCodeAt(i) !== 0x2e) return false;
  i++;
  if (i >= end) return false;
  for (; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c !== 0x3a && (c >= 128 || REG_NAME[c] !== 1)) return false;
  }
  return true;
}

/** RFC 4291 2.2 text form: 8 groups of 1-4 hex digits, one "::" at most, an IPv4 tail as 2 groups. */
function isIpv6(s: string, start: number, end: number): boolean {
  let groups = 0;
  let compressed = false;
  let i = start;
  if (s.charCodeAt(i) === 0x3a) {
    if (s.charCodeAt(i + 1) !== 0x3a || i + 1 >= end) return false;
    compressed = true;
    i += 2;
    if (i === end) return true; // "::"
  }
  while (i < end) {
    const groupStart = i;
    while (i < end && i - groupStart < 5 && isHex(s.charCodeAt(i))) i++;
    const len = i - groupStart;
    if (i < end && s.charCodeAt(i) === 0x2e) {
      // the IPv4 tail: the last thing, counting for two groups
      if (!isIpv4(s, groupStart, end)) return false;
      groups += 2;
      break;
    }
    if (len === 0 || len > 4) return false;
    groups++;
    if (i === end) break;
    if (s.charCodeAt(i) !== 0x3a) return false;
    i++;
    if (i < end && s.charCodeAt(i) === 0x3a) {
      if (compressed) return false;
      compressed = true;
      i++;
      if (i === end) break;
    } else if (i === end) {
      return false; // a trailing single ':'
    }
  }
  return compressed ? groups <= 7 : groups === 8;
}

/** dotted-decimal IPv4, four parts 0-255 without leading zeros, spanning exactly [start, end). */
export function isIpv4(s: string, start: number, end: number): boolean {
  let parts = 0;
  let i = start;
  while (parts < 4) {
    const partStart = i;
    let value = 0;
    while (i < end && i - partStart < 4) {
      const c = s.charCodeAt(i);
      if (c < 0x30 || c > 0x39) break;
      value = value * 10 + (c - 0x30);
      i++;
    }
    const len = i - partStart;
    if (len === 0 || len > 3 || value > 255) return false;
    if (len > 1 && s.charCodeAt(partStart) === 0x30) return false;
    parts++;
    if (parts === 4) break;
    if (i >= end || s.charCodeAt(i) !== 0x2e) return false;
    i++;
  }
  return i === end;
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}
