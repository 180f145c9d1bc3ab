// Static files on HTTP/2 streams: the decision is decideStatic's, as on HTTP/1.x (path and
// traversal checks, index, 304, 206/416, cache and type fields); this writes it as an HTTP/2
// response, the file streamed from a read stream with backpressure, through the route's
// compression when it applies. HEAD gets the headers only.
import { createReadStream } from 'node:fs';
import type http2 from 'node:http2';
import type { ChainClient, ChainRun } from '../middleware/run.js';
import type { StaticMiddleware } from '../middleware/static.js';
import { decideStatic, text, type StaticDecision } from '../middleware/static-decision.js';
import { headersFromFields } from './chain-headers.js';
import { h2Compressor, pipeCompressed } from './compress-stream.js';

type Done = (status: number, bytesOut: number) => void;

/** Answers the stream for a static route; `done` gets the status and body bytes sent (once). */
export function serveStaticOnStream(stream: http2.ServerHttp2Stream, run: ChainRun<ChainClient>, files: StaticMiddleware, hsts: string, done: Done): void {
  decideStatic(files, run.head).then(
    (decision) => write(stream, run, decision, hsts, done),
    () => write(stream, run, text(500), hsts, done),
  );
}

function write(stream: http2.ServerHttp2Stream, run: ChainRun<ChainClient>, decision: StaticDecision, hsts: string, done: Done): void {
  if (stream.closed || stream.destroyed || stream.headersSent) {
    if (decision.kind === 'file') void decision.handle.close();
    done(0, 0);
    return;
  }
  const head = run.head.method === 'HEAD';
  switch (decision.kind) {
    case 'text': {
      run.applyResponsePhases(decision.status, decision.fields);
      const headers = withHsts(headersFromFields(decision.status, decision.fields), hsts);
      headers['content-length'] = Buffer.byteLength(decision.body);
      stream.respond(headers, { endStream: head });
      if (!head) stream.end(decision.body);
      done(decision.status, head ? 0 : Buffer.byteLength(decision.body));
      return;
    }
    case 'not-modified':
      run.applyResponsePhases(304, decision.fields);
      stream.respond(withHsts(headersFromFields(304, decision.fields), hsts), { endStream: true });
      done(304, 0);
      return;
    case 'file':
      writeFile(stream, run, decision, head, hsts, done);
  }
}

function writeFile(stream: http2.ServerHttp2Stream, run: ChainRun<ChainClient>, file: Extract<StaticDecision, { kind: 'file' }>, head: boolean, hsts: string, done: Done): void {
  const { status, fields, length } = file;
  run.applyResponsePhases(status, fields);
  const compressor = h2Compressor(run, status, fields, length, head || length === 0);
  const headers = withHsts(headersFromFields(status, fields), hsts);
  if (compressor === null) headers['content-length'] = length;
  if (head || length === 0) {
    void file.handle.close();
    stream.respond(headers, { endStream: true });
    done(status, 0);
    return;
  }
  stream.respond(headers);
  // the read stream owns the handle from here and closes it when it ends or is destroyed
  const source = createReadStream('', { fd: file.handle, start: file.start, end: file.end, highWaterMark: 64 * 1024 });
  let bytes = 0;
  source.on('data', (chunk) => (bytes += chunk.length));
  source.on('error', () => {
    if (!stream.closed) stream.close(2); // INTERNAL_ERROR: the file could not be read to the end
  });
  stream.once('close', () => {
    source.destroy();
    done(status, bytes);
  });
  if (compressor !== null) {
    pipeCompressed(compressor, stream);
    source.pipe(compressor);
  } else {
    source.pipe(stream);
  }
}

function withHsts(headers: http2.OutgoingHttpHeaders, hsts: string): http2.OutgoingHttpHeaders {
  if (hsts !== '') headers['strict-transport-security'] = hsts;
  return headers;
}
