// One request through a compiled chain: the request phases, then either forwarding (the Exchange
// calls back for the response head) or an answer of the chain's own. Only routes with middlewares
// create a ChainRun; nothing here runs for the others.
import { performance } from 'node:perf_hooks';
import type { CompressAlgorithm } from '../../config/middleware-types.js';
import type { ClientConnection, LocalExchange } from '../client-connection.js';
import type { Observers } from '../../observe/observers.js';
import type { Peer } from '../forwarding.js';
import type { FieldList } from '../h1/fields.js';
import type { RequestHead } from '../h1/request-head.js';
import type { ResponseHead } from '../h1/response-head.js';
import { isPromise, type MaybePromise } from '../../state/state-store.js';
import type { Answer, CompiledChain, Verdict } from './chain.js';
import type { ConnectionMiddlewareState } from './connection-state.js';
import { CompressSink, type SinkOwner } from './compress-sink.js';
import { SimpleAnswer, textAnswer } from './local-answer.js';
import type { RateLimitMiddleware } from './rate-limit.js';
import { StaticResponder } from './static-responder.js';

/**
 * What the request phases need from the client's connection, whatever its protocol: the peer, and
 * per-connection middleware state (access verdicts, per-client connection counts).
 */
export interface ChainClient {
  readonly peer: Peer;
  readonly observers: Observers;
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
 * What answers a request whose phases are done, instead of forwarding it: the phases' answer, or the
 * chain's static files; null to forward.
 */
export function localExchange(run: ChainRun, answer: Answer | null): LocalExchange | null {
  if (answer !== null) return new SimpleAnswer(run, answer);
  if (run.chain.staticFiles !== null) return new StaticResponder(run, run.chain.staticFiles);
  return null;
}

/**
 * The decision of the request phases, for every protocol: the first answer a phase gives (403,
 * 429, a redirect), or null to go on (rewrites and request header rules have then been applied).
 * Synchronous phases give a synchronous verdict; from the first phase that returns a promise on,
 * the verdict is a promise (rejected with a PhaseFailure naming the middleware).
 */
export function requestVerdict(run: ChainRun<ChainClient>): MaybePromise<Answer | null> {
  const phases = run.chain.requestPhases;
  for (let i = 0; i < phases.length; i++) {
    const verdict = phases[i]!.onRequest(run);
    if (verdict === null) continue;
    if (isPromise(verdict)) return laterVerdict(run, verdict, i);
    return verdict;
  }
  return null;
}

/** The rest of the request phases once phase `index` returned a promise. */
async function laterVerdict(run: ChainRun<ChainClient>, pending: Promise<Verdict>, index: number): Promise<Answer | null> {
  const phases = run.chain.requestPhases;
  let i = index;
  try {
    let answer = await pending;
    while (answer === null && ++i < phases.length) answer = await phases[i]!.onRequest(run);
    return answer;
  } catch (error) {
    throw new PhaseFailure(phases[i]!.name, error);
  }
}

/** A request phase threw or its promise was rejected: the request gets a 500 and this is logged. */
export class PhaseFailure extends Error {
  constructor(
    readonly middleware: string,
    cause: unknown,
  ) {
    super(`middleware '${middleware}' failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/** The answer to a request whose phases failed (threw, or rejected): 500, and a line in the process log. */
export function failedPhaseAnswer(run: ChainRun<ChainClient>, error: unknown): Answer {
  const failure = error instanceof PhaseFailure ? error : new PhaseFailure('?', error);
  const cause = failure.cause instanceof Error ? failure.cause.message : String(failure.cause);
  run.client.observers.logger.error({ middleware: failure.middleware, method: run.head.method, path: run.head.path, err: cause }, 'middleware request phase failed');
  return textAnswer(500);
}

/** The answer to a request whose phases did not decide within the route's response timeout: 504, logged. */
export function lateVerdictAnswer(run: ChainRun<ChainClient>, timeoutMs: number): Answer {
  run.client.observers.logger.warn({ method: run.head.method, path: run.head.path, timeoutMs }, 'middleware request phase did not answer in time');
  return textAnswer(504);
}
