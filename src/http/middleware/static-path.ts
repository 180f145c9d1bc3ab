// From a request path to a path under a static root, refusing every way out: each segment is
// percent-decoded exactly once (so %252e stays the literal "%2e"), "." and ".." are resolved
// without ever climbing above the root, and a decoded "/", "\" or NUL inside a segment is refused.
// Symlinks are checked after this, on the real path (static-responder.ts).

export type StaticPath =
  /** segments under the root, and whether the request path ended with "/" */
  { ok: true; segments: string[]; directory: boolean } | { ok: false; status: 400 | 404 };

export function staticPath(requestPath: string): StaticPath {
  if (requestPath.charCodeAt(0) !== 0x2f) return { ok: false, status: 400 };
  const raw = requestPath.split('/');
  const segments: string[] = [];
  for (let i = 1; i < raw.length; i++) {
    let segment = raw[i]!;
    if (segment.indexOf('%') !== -1) {
      try {
        segment = decodeURIComponent(segment);
      } catch {
        return { ok: false, status: 400 };
      }
    }
    if (segment.includes('/') || segment.includes('\\') || segment.includes('\0')) return { ok: false, status: 400 };
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (segments.length === 0) return { ok: false, status: 400 }; // above the root
      segments.pop();
      continue;
    }
    // dot files (.git, .env, .htpasswd) are never served; .well-known is
    if (segment.charCodeAt(0) === 0x2e && segment !== '.well-known') return { ok: false, status: 404 };
    segments.push(segment);
  }
  const last = raw[raw.length - 1];
  return { ok: true, segments, directory: last === '' || last === '.' || last === '..' };
}

/** `real` (a realpath) is the root itself or inside it. */
export function isInside(realRoot: string, real: string): boolean {
  if (real === realRoot) return true;
  const prefix = realRoot.endsWith('/') ? realRoot : realRoot + '/';
  return real.startsWith(prefix);
}
