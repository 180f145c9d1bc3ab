// Serving one static file: resolve the path (never out of the root, symlinks included), answer
// 304 to a matching validator, 206/416 to a Range, and stream the file with backpressure, through
// the route's compression when it applies. It holds the connection's exchange slot until done.
import { createReadStream, type ReadStream } from 'node:fs';
import { open, realpath, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClientExchange } from '../client-connection.js';
import { FieldList } from '../h1/fields.js';
import { etagMatches, fileEtag, ifRangeAllows, notModifiedSince, parseRange } from './conditional.js';
import { CompressSink, type SinkOwner } from './compress-sink.js';
import { localHead, recordLocal } from './local-answer.js';
import type { ChainRun } from './run.js';
import { contentTypeOf, type StaticMiddleware } from './static.js';
import { isInside, staticPath } from './static-path.js';
import { STATUS_CODES } from 'node:http';

interface Found {
  handle: FileHandle;
  path: string;
  size: number;
  mtimeMs: number;
}

export class StaticResponder implements ClientExchange, SinkOwner {
  private close = false;
  private aborted = false;
  private done = false;
  private stream: ReadStream | null = null;
  private sink: CompressSink | null = null;
  private status = 200;

  constructor(
    private readonly run: ChainRun,
    private readonly files: StaticMiddleware,
  ) {}

  start(close: boolean): void {
    this.close = close;
    const method = this.run.head.method;
    if (method !== 'GET' && method !== 'HEAD') {
      this.answer(405, [['Allow', 'GET, HEAD']]);
      return;
    }
    this.serve().catch(() => {
      if (!this.done && !this.aborted) this.answer(500);
    });
  }

  private async serve(): Promise<void> {
    const { run, files } = this;
    const resolved = staticPath(run.head.path);
    if (!resolved.ok) return this.answer(resolved.status);
    const found = await this.find(resolved.segments, resolved.directory);
    if (found === null || this.aborted) return;
    try {
      this.respond(found);
    } finally {
      if (this.stream === null) await found.handle.close();
    }
    void files;
  }

  /** The file for these segments (a directory's index), or null after answering 301/403/404. */
  private async find(segments: string[], directory: boolean): Promise<Found | null> {
    const root = this.files.realRoot;
    const candidate = join(root, ...segments);
    let real: string;
    try {
      real = await realpath(candidate);
    } catch {
      this.answer(404);
      return null;
    }
    if (!isInside(root, real)) {
      this.answer(403); // a symlink pointing out of the root
      return null;
    }
    const info = await stat(real);
    if (info.isDirectory()) {
      if (!directory) {
        const head = this.run.head;
        this.answer(301, [['Location', head.path + '/' + (head.query === '' ? '' : '?' + head.query)]]);
        return null;
      }
      for (const index of this.files.index) {
        const found = await this.openFile(join(real, index), root);
        if (found !== null) return found;
      }
      this.answer(404);
      return null;
    }
    if (directory) {
      this.answer(404); // "file.txt/" is not a directory
      return null;
    }
    const found = await this.openFile(real, root);
    if (found === null) this.answer(404);
    return found;
  }

  private async openFile(path: string, root: string): Promise<Found | null> {
    let real: string;
    try {
      real = await realpath(path);
    } catch {
      return null;
    }
    if (!isInside(root, real)) return null;
    const handle = await open(real, 'r');
    const info = await handle.stat();
    if (!info.isFile() || this.aborted) {
      await handle.close();
      return null;
    }
    return { handle, path: real, size: info.size, mtimeMs: info.mtimeMs };
  }

  private respond(found: Found): void {
    const { run, files } = this;
    const head = run.head;
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
      this.finishHead(304, fields, -2);
      return;
    }

    fields.push('Content-Type', 'content-type', contentTypeOf(found.path));
    fields.push('Accept-Ranges', 'accept-ranges', 'bytes');
    let start = 0;
    let end = found.size - 1;
    let status = 200;
    const rangeHeader = head.method === 'GET' ? head.fields.get('range') : undefined;
    const ifRange = head.fields.get('if-range');
    if (rangeHeader !== undefined && (ifRange === undefined || ifRangeAllows(ifRange, etag, lastModified))) {
      const range = parseRange(rangeHeader, found.size);
      if (range === 'unsatisfiable') {
        fields.push('Content-Range', 'content-range', `bytes */${found.size}`);
        this.status = 416;
        const body = '416 Range Not Satisfiable\n';
        fields.push('Content-Type', 'content-type', 'text/plain; charset=utf-8');
        this.finishWith(416, fields, body);
        return;
      }
      if (range !== null) {
        status = 206;
        start = range.start;
        end = range.end;
        fields.push('Content-Range', 'content-range', `bytes ${start}-${end}/${found.size}`);
      }
    }
    const length = end - start + 1;
    run.applyResponsePhases(status, fields);
    const compress = run.chain.compress;
    const algorithm = compress === null ? null : compress.decide(run, status, fields, length, head.method === 'HEAD');
    this.status = status;
    if (head.method === 'HEAD' || length === 0) {
      run.client.write(localHead(run, status, fields, this.close, algorithm === null ? length : -1) + (algorithm !== null && head.version === 11 && head.method !== 'HEAD' ? '0\r\n\r\n' : ''));
      this.finish();
      return;
    }
    if (algorithm !== null) {
      if (head.version === 10) this.close = true; // close-delimited
      run.client.write(localHead(run, status, fields, this.close, -1));
      this.sink = new CompressSink(run.client, algorithm, compress!.settings, head.version === 11, this);
    } else {
      run.client.write(localHead(run, status, fields, this.close, length));
    }
    // the stream owns the handle from here and closes it when it ends or is destroyed
    const stream = createReadStream('', { fd: found.handle, start, end, highWaterMark: 64 * 1024 });
    this.stream = stream;
    stream.on('data', this.onFileData);
    stream.on('end', this.onFileEnd);
    stream.on('error', this.onFileError);
  }

  private readonly onFileData = (data: Buffer | string): void => {
    const piece = data as Buffer;
    const ok = this.sink !== null ? this.sink.write(piece) : this.run.client.write(piece);
    if (!ok) this.stream!.pause();
  };

  private readonly onFileEnd = (): void => {
    if (this.sink !== null) this.sink.end(this.run.head.version === 11 ? '0\r\n\r\n' : '');
    else this.finish();
  };

  private readonly onFileError = (): void => {
    this.stream?.destroy();
    this.run.client.destroy();
  };

  sinkDrained(): void {
    if (this.sink !== null && !this.aborted) this.stream?.resume();
  }

  sinkFinished(): void {
    this.finish();
  }

  private finishHead(status: number, fields: FieldList, length: number): void {
    this.status = status;
    this.run.applyResponsePhases(status, fields);
    this.run.client.write(localHead(this.run, status, fields, this.close, length));
    this.finish();
  }

  private finishWith(status: number, fields: FieldList, body: string): void {
    this.status = status;
    this.run.applyResponsePhases(status, fields);
    this.run.client.write(localHead(this.run, status, fields, this.close, body.length) + (this.run.head.method === 'HEAD' ? '' : body));
    this.finish();
  }

  /** A small answer of our own (3xx, 4xx, 500). */
  private answer(status: number, extra: Array<[string, string]> = []): void {
    if (this.aborted || this.done) return;
    const fields = new FieldList();
    for (const [name, value] of extra) fields.push(name, name.toLowerCase(), value);
    fields.push('Content-Type', 'content-type', 'text/plain; charset=utf-8');
    this.finishWith(status, fields, `${status} ${STATUS_CODES[status] ?? ''}\n`);
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    if (this.aborted) return;
    recordLocal(this.run, this.status);
    this.run.client.exchangeDone(!this.close);
  }

  // --- ClientExchange ---

  clientBody(): void {} // a body sent to a static route is not read: the connection closes after the answer

  clientDrain(): void {
    if (this.sink !== null) this.sink.clientDrain();
    else this.stream?.resume();
  }

  clientAborted(): void {
    this.aborted = true;
    this.stream?.destroy();
    this.sink?.destroy();
    if (!this.done) {
      this.done = true;
      recordLocal(this.run, 0);
    }
  }

  clientTimeout(): void {
    this.run.client.destroy();
  }
}
