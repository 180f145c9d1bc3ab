// One request through a compiled chain: the request phases, then either forwarding (the Exchange
// calls back for the response head) or an answer of the chain's own. Only routes with middlewares
// create a ChainRun; nothing here runs for the others.
import { performance } from 'node:perf_hooks';
import type { CompressAlgorithm } from '../../config/middleware-types.js';
import type { ClientConnection } from '../client-connection.js';
import type { Peer } from '../forwarding.js';
import type { FieldList } from '../h1/fields.js';
import type { RequestHead } from '../h1/request-head.js';
import type { ResponseHead } from '../h1/response-head.js';
import type { Answer, CompiledChain } from './chain.js';
import type { ConnectionMiddlewareState } from './connection-state.js';
import { CompressSink, type SinkOwner } from './compress-sink.js';
import { SimpleAnswer } from './local-answer.js';
import type { RateLimitMiddleware } from './rate-limit.js';
import { StaticResponder } from './static-responder.js';

/**
 * What the request phases need from the client's connection, whatever its protocol: the peer, and
 * per-connection middleware state (access verdicts, per-client connection counts).
 */
export interface ChainClient {
  readonly peer: Peer;
  middlewareState: ConnectionMiddlewareState | null;
}

/**
 * One request through a chain. `C` is the client connection: the HTTP/1.1 ClientConnection by
 * default (answers and compression write to it), or any ChainClient for the request phases alone.
 */
export class ChainRun<C extends ChainClient = ClientConnection> {
  /** what a compress middleware negotiated from Accept-Encoding; null = identity */
  encoding: CompressAlgorithm | null = null;
  /** the token bucket that let this request through, for the RateLimit fields of the response */
  rateLimit: RateLimitMiddleware | null = null;
  rateRemaining = 0;
  readonly startedAt = performance.now();

  constructor(
    readonly chain: CompiledChain,
    readonly client: C,
    readonly head: RequestHead,
    readonly clientIp: string,
  ) {}

  /** Run the response phases on a response head's fields (the backend's or our own). */
  applyResponsePhases(status: number, fields: FieldList): void {
    const phases = this.chain.responsePhases;
    for (let i = 0; i < phases.length; i++) phases[i]!.onResponseHead(this, status, fields);
  }

  /**
   * The backend's response head (Exchange): fields changed by the response phases, and a compressing
   * sink for the body when compression applies (its Content-Length is then dropped: -1).
   */
  responseHead(this: ChainRun, head: ResponseHead, noBody: boolean, owner: SinkOwner): CompressSink | null {
    this.applyResponsePhases(head.status, head.fields);
    const compress = this.chain.compress;
    if (compress === null) return null;
    const algorithm = compress.decide(this, head.status, head.fields, head.contentLength, noBody);
    if (algorithm === null) return null;
    head.contentLength = -1;
    return new CompressSink(this.client, algorithm, compress.settings, this.head.version === 11, owner);
  }
}

/**
 * Runs the request phases of `chain`. Returns the run to forward the request with, or null when the
 * chain answered by itself (the answer then owns the connection's exchange slot until it is done).
 */
export function runRequestPhases(chain: CompiledChain, client: ClientConnection, head: RequestHead, clientIp: string, rest: Buffer | null): ChainRun | null {
  const run = new ChainRun(chain, client, head, clientIp);
  const answer = requestVerdict(run);
  if (answer !== null) {
    client.answerLocally(head, rest, new SimpleAnswer(run, answer));
    return null;
  }
  if (chain.staticFiles !== null) {
    client.answerLocally(head, rest, new StaticResponder(run, chain.staticFiles));
    return null;
  }
  return run;
}

/**
 * The decision of the request phases, for every protocol: the first answer a phase gives (403,
 * 429, a redirect), or null to go on (rewrites and request header rules have then been applied).
 */
export function requestVerdict(run: ChainRun<ChainClient>): Answer | null {
  const phases = run.chain.requestPhases;
  for (let i = 0; i < phases.length; i++) {
    const answer = phases[i]!.onRequest(run);
    if (answer !== null) return answer;
  }
  return null;
}
