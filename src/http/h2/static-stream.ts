// Static files on HTTP/2 streams: the decision is decideStatic's, as on HTTP/1.x (path and
// traversal checks, index, 304, 206/416, cache and type fields); this writes it as an HTTP/2
// response, the file streamed from a read stream with backpressure, through the route's
// compression when it applies. HEAD gets the headers only.
import { createReadStream } from 'node:fs';
import type { ChainClient, ChainRun } from '../middleware/run.js';
import type { StaticMiddleware } from '../middleware/static.js';
import { decideStatic, text, type StaticDecision } from '../middleware/static-decision.js';
import { headersFromFields } from './chain-headers.js';
import type { ClientStream } from './client-stream.js';
import { h2Compressor } from './compress-stream.js';
import { ReadableRelay } from './readable-relay.js';

/** Who hears how the answer went: at once, or once the streamed body is over (its relay counts the bytes). */
export interface StaticOwner {
  staticAnswered(status: number, bytesOut: number): void;
  staticStreaming(status: number, relay: ReadableRelay): void;
}

/** Answers the stream for a static route. */
export function serveStaticOnStream(stream: ClientStream, run: ChainRun<ChainClient>, files: StaticMiddleware, hsts: string, owner: StaticOwner): void {
  decideStatic(files, run.head).then(
    (decision) => write(stream, run, decision, hsts, owner),
    () => write(stream, run, text(500), hsts, owner),
  );
}

function write(stream: ClientStream, run: ChainRun<ChainClient>, decision: StaticDecision, hsts: string, owner: StaticOwner): void {
  if (stream.closed || stream.headersSent) {
    if (decision.kind === 'file') void decision.handle.close();
    owner.staticAnswered(0, 0);
    return;
  }
  const head = run.head.method === 'HEAD';
  switch (decision.kind) {
    case 'text': {
      run.applyResponsePhases(decision.status, decision.fields);
      const headers = withHsts(headersFromFields(decision.fields), hsts);
      const length = Buffer.byteLength(decision.body);
      headers.push('content-length', String(length));
      stream.respond(decision.status, headers, head);
      if (!head) {
        stream.write(decision.body);
        stream.end();
      }
      owner.staticAnswered(decision.status, head ? 0 : length);
      return;
    }
    case 'not-modified':
      run.applyResponsePhases(304, decision.fields);
      stream.respond(304, withHsts(headersFromFields(decision.fields), hsts), true);
      owner.staticAnswered(304, 0);
      return;
    case 'file':
      writeFile(stream, run, decision, head, hsts, owner);
  }
}

function writeFile(stream: ClientStream, run: ChainRun<ChainClient>, file: Extract<StaticDecision, { kind: 'file' }>, head: boolean, hsts: string, owner: StaticOwner): void {
  const { status, fields, length } = file;
  run.applyResponsePhases(status, fields);
  const compressor = h2Compressor(run, status, fields, length, head || length === 0);
  const headers = withHsts(headersFromFields(fields), hsts);
  if (compressor === null) headers.push('content-length', String(length));
  if (head || length === 0) {
    void file.handle.close();
    stream.respond(status, headers, true);
    owner.staticAnswered(status, 0);
    return;
  }
  stream.respond(status, headers, false);
  // the read stream owns the handle from here and closes it when it ends or is destroyed
  const source = createReadStream('', { fd: file.handle, start: file.start, end: file.end, highWaterMark: 64 * 1024 });
  if (compressor !== null) {
    source.on('error', () => compressor.destroy(new Error('file read failed')));
    compressor.once('close', () => source.destroy());
    source.pipe(compressor);
    owner.staticStreaming(status, new ReadableRelay(compressor, stream));
  } else {
    owner.staticStreaming(status, new ReadableRelay(source, stream));
  }
}

function withHsts(headers: string[], hsts: string): string[] {
  if (hsts !== '') headers.push('strict-transport-security', hsts);
  return headers;
}
