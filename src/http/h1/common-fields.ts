// The field names most requests and responses carry, as constant strings.
//
// A name parsed from a head is a fresh string: slicing it out and lower-casing it makes two, and
// every Set or Map lookup on it (forwarding rules, HPACK tables, relaying rules) first hashes it.
// A name spelled exactly as one of these, in its usual case or all lower case, is taken from here
// instead: no slice, no lower-casing, and the hash V8 already keeps with a constant.

/** in their usual spelling */
const COMMON = [
  'Accept',
  'Accept-Encoding',
  'Accept-Language',
  'Accept-Ranges',
  'Access-Control-Allow-Origin',
  'Age',
  'Alt-Svc',
  'Authorization',
  'Cache-Control',
  'Connection',
  'Content-Encoding',
  'Content-Length',
  'Content-Type',
  'Cookie',
  'Date',
  'ETag',
  'Expect',
  'Expires',
  'Forwarded',
  'Host',
  'If-Modified-Since',
  'If-None-Match',
  'Keep-Alive',
  'Last-Modified',
  'Location',
  'Origin',
  'Pragma',
  'Range',
  'Referer',
  'Server',
  'Set-Cookie',
  'Strict-Transport-Security',
  'TE',
  'Transfer-Encoding',
  'Upgrade',
  'Upgrade-Insecure-Requests',
  'User-Agent',
  'Vary',
  'Via',
  'X-Content-Type-Options',
  'X-Forwarded-For',
  'X-Forwarded-Host',
  'X-Forwarded-Proto',
  'X-Real-IP',
  'X-Request-ID',
];

/** each spelling accepted (usual and lower case), and the lower-case name it stands for */
const SPELLINGS: string[] = [];
const LOWER: string[] = [];
/** indexes into SPELLINGS by name length */
const BY_LENGTH: number[][] = [];

for (const usual of COMMON) {
  const lower = usual.toLowerCase();
  for (const spelling of [usual, lower]) {
    (BY_LENGTH[spelling.length] ??= []).push(SPELLINGS.length);
    SPELLINGS.push(spelling);
    LOWER.push(lower);
  }
}

/** The index of the common name spelled exactly as `s[start, end)`, or -1. */
export function commonFieldName(s: string, start: number, end: number): number {
  const candidates = BY_LENGTH[end - start];
  if (candidates === undefined) return -1;
  const first = s.charCodeAt(start);
  for (let i = 0; i < candidates.length; i++) {
    const index = candidates[i]!;
    const spelling = SPELLINGS[index]!;
    if (spelling.charCodeAt(0) === first && s.startsWith(spelling, start)) return index;
  }
  return -1;
}

/** The name as it was spelled (a common name from commonFieldName). */
export function commonSpelling(index: number): string {
  return SPELLINGS[index]!;
}

/** Its lower-case form. */
export function commonLower(index: number): string {
  return LOWER[index]!;
}
