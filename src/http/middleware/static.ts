// `static`: files under a root, answered without touching a backend. The responder does the I/O;
// this is what is compiled once: the root's real path (symlinks resolved) and the cache fields.
import { realpathSync, statSync } from 'node:fs';
import type { StaticConfig } from '../../config/middleware-types.js';

export class StaticMiddleware {
  /** the root with every symlink resolved: served files must resolve inside it */
  readonly realRoot: string;
  readonly index: readonly string[];
  /** the Cache-Control value, or '' for none */
  readonly cacheControl: string;

  constructor(
    readonly name: string,
    settings: StaticConfig,
  ) {
    let real: string;
    try {
      real = realpathSync(settings.root);
    } catch {
      throw new Error(`static '${name}': root ${settings.root} does not exist`);
    }
    if (!statSync(real).isDirectory()) throw new Error(`static '${name}': root ${settings.root} is not a directory`);
    this.realRoot = real;
    this.index = settings.index;
    const parts: string[] = [];
    if (settings.maxAge > 0) parts.push('public', `max-age=${Math.floor(settings.maxAge / 1000)}`);
    if (settings.immutable) parts.push('immutable');
    this.cacheControl = parts.join(', ');
  }
}

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  htm: 'text/html; charset=utf-8',
  css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  mjs: 'text/javascript; charset=utf-8',
  json: 'application/json',
  map: 'application/json',
  txt: 'text/plain; charset=utf-8',
  md: 'text/markdown; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  xml: 'application/xml',
  svg: 'image/svg+xml',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  avif: 'image/avif',
  ico: 'image/x-icon',
  woff: 'font/woff',
  woff2: 'font/woff2',
  ttf: 'font/ttf',
  otf: 'font/otf',
  wasm: 'application/wasm',
  pdf: 'application/pdf',
  zip: 'application/zip',
  gz: 'application/gzip',
  mp4: 'video/mp4',
  webm: 'video/webm',
  mp3: 'audio/mpeg',
  webmanifest: 'application/manifest+json',
};

export function contentTypeOf(path: string): string {
  const dot = path.lastIndexOf('.');
  const slash = path.lastIndexOf('/');
  if (dot <= slash + 1) return 'application/octet-stream';
  return TYPES[path.slice(dot + 1).toLowerCase()] ?? 'application/octet-stream';
}
