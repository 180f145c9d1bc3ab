// Static files on HTTP/2 streams.
import type http2 from 'node:http2';
import type { ChainClient, ChainRun } from '../middleware/run.js';
import type { StaticMiddleware } from '../middleware/static.js';
import { textAnswer } from '../middleware/local-answer.js';
import { respondWithAnswer } from './chain-headers.js';

/** Answers the stream for a static route; `done` gets the status and body bytes sent. */
export function serveStaticOnStream(
  stream: http2.ServerHttp2Stream,
  run: ChainRun<ChainClient>,
  _files: StaticMiddleware,
  hsts: string,
  done: (status: number, bytesOut: number) => void,
): void {
  const bytes = respondWithAnswer(stream, run, textAnswer(501), hsts);
  done(501, bytes);
}
