// What a static route answers, whatever the protocol: the path resolved (never out of the root,
// symlinks included), a directory's index, 304 to a matching validator, 206/416 to a Range, the
// cache and type fields. The HTTP/1.1 responder and the HTTP/2 stream writer only write it out.
import { open, realpath, stat, type FileHandle } from 'node:fs/promises';
import { STATUS_CODES } from 'node:http';
import { join } from 'node:path';
import { FieldList } from '../h1/fields.js';
import type { RequestHead } from '../h1/request-head.js';
import { etagMatches, fileEtag, ifRangeAllows, notModifiedSince, parseRange } from './conditional.js';
import { removeField } from './field-ops.js';
import { contentTypeOf, type StaticMiddleware } from './static.js';
import { isInside, staticPath } from './static-path.js';

export type StaticDecision =
  /** a small text answer of our own (301, 400, 403, 404, 405, 416) */
  | { kind: 'text'; status: number; fields: FieldList; body: string }
  /** 304: the validator fields, no body */
  | { kind: 'not-modified'; status: 304; fields: FieldList }
  /** bytes start..end (inclusive) of an open file; the caller owns `handle` and must close it */
  | { kind: 'file'; status: 200 | 206; fields: FieldList; handle: FileHandle; start: number; end: number; length: number };

interface Found {
  handle: FileHandle;
  path: string;
  size: number;
  mtimeMs: number;
}

/** The decision for a GET or HEAD `head` on a static route. */
export async function decideStatic(files: StaticMiddleware, head: RequestHead): Promise<StaticDecision> {
  if (head.method !== 'GET' && head.method !== 'HEAD') return text(405, [['Allow', 'GET, HEAD']]);
  const resolved = staticPath(head.path);
  if (!resolved.ok) return text(resolved.status);
  const found = await find(files, head, resolved.segments, resolved.directory);
  if ('kind' in found) return found;
  try {
    return fileDecision(files, head, found);
  } catch (error) {
    await found.handle.close();
    throw error;
  }
}

/** A small plain-text answer: `status` and its reason. */
export function text(status: number, extra: Array<[string, string]> = [], fields = new FieldList()): StaticDecision {
  for (const [name, value] of extra) fields.push(name, name.toLowerCase(), value);
  fields.push('Content-Type', 'content-type', 'text/plain; charset=utf-8');
  return { kind: 'text', status, fields, body: `${status} ${STATUS_CODES[status] ?? ''}\n` };
}

/** The file for these segments (a directory's index), or the 301/403/404 to answer. */
async function find(files: StaticMiddleware, head: RequestHead, segments: string[], directory: boolean): Promise<Found | StaticDecision> {
  const root = files.realRoot;
  let real: string;
  try {
    real = await realpath(join(root, ...segments));
  } catch {
    return text(404);
  }
  if (!isInside(root, real)) return text(403); // a symlink pointing out of the root
  const info = await stat(real);
  if (info.isDirectory()) {
    if (!directory) {
      // the client's path, not the rewritten one: behind stripPrefix /static/sub → /static/sub/
      const path = head.clientPath === '' ? head.path : head.clientPath;
      return text(301, [['Location', path + '/' + (head.query === '' ? '' : '?' + head.query)]]);
    }
    for (const index of files.index) {
      const found = await openFile(join(real, index), root);
      if (found !== null) return found;
    }
    return text(404);
  }
  if (directory) return text(404); // "file.txt/" is not a directory
  return (await openFile(real, root)) ?? text(404);
}

async function openFile(path: string, root: string): Promise<Found | null> {
  let real: string;
  try {
    real = await realpath(path);
  } catch {
    return null;
  }
  if (!isInside(root, real)) return null;
  const handle = await open(real, 'r');
  const info = await handle.stat();
  if (!info.isFile()) {
    await handle.close();
    return null;
  }
  return { handle, path: real, size: info.size, mtimeMs: info.mtimeMs };
}

function fileDecision(files: StaticMiddleware, head: RequestHead, found: Found): StaticDecision {
  const etag = fileEtag(found.mtimeMs, found.size);
  const lastModified = new Date(found.mtimeMs).toUTCString();
  const fields = new FieldList();
  fields.push('Date', 'date', new Date().toUTCString());
  fields.push('ETag', 'etag', etag);
  fields.push('Last-Modified', 'last-modified', lastModified);
  if (files.cacheControl !== '') fields.push('Cache-Control', 'cache-control', files.cacheControl);

  const ifNoneMatch = head.fields.get('if-none-match');
  const ifModifiedSince = head.fields.get('if-modified-since');
  if (ifNoneMatch !== undefined ? etagMatches(ifNoneMatch, etag) : ifModifiedSince !== undefined && notModifiedSince(ifModifiedSince, found.mtimeMs)) {
    void found.handle.close();
    return { kind: 'not-modified', status: 304, fields };
  }

  fields.push('Content-Type', 'content-type', contentTypeOf(found.path));
  fields.push('Accept-Ranges', 'accept-ranges', 'bytes');
  let start = 0;
  let end = found.size - 1;
  let status: 200 | 206 = 200;
  const rangeHeader = head.method === 'GET' ? head.fields.get('range') : undefined;
  const ifRange = head.fields.get('if-range');
  if (rangeHeader !== undefined && (ifRange === undefined || ifRangeAllows(ifRange, etag, lastModified))) {
    const range = parseRange(rangeHeader, found.size);
    if (range === 'unsatisfiable') {
      void found.handle.close();
      fields.push('Content-Range', 'content-range', `bytes */${found.size}`);
      removeField(fields, 'content-type'); // the body is our text, not the file
      return text(416, [], fields);
    }
    if (range !== null) {
      status = 206;
      start = range.start;
      end = range.end;
      fields.push('Content-Range', 'content-range', `bytes ${start}-${end}/${found.size}`);
    }
  }
  return { kind: 'file', status, fields, handle: found.handle, start, end, length: end - start + 1 };
}
