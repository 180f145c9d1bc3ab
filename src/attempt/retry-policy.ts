// When a request may be sent again: the one place that knows which failures, which methods and
// which request states make a resend safe. Every protocol (HTTP/1.1, HTTP/2 streams, tcp) asks here.
import type { RetryPolicy } from '../config/types.js';

/** What went wrong with an attempt, as far as retrying is concerned. */
export const enum Failure {
  /** refused, unreachable or too slow to connect: nothing reached the backend */
  Connect,
  /** the backend took the request but sent no response head in time */
  Timeout,
  /** the backend answered 5xx */
  ServerError,
  /** a reused keep-alive socket the backend had already closed: nothing was received */
  StaleConnection,
  /** HTTP/2 REFUSED_STREAM (RFC 9113 8.7): the backend did not process the request */
  RefusedStream,
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

/** What the protocol knows about the request when an attempt fails. */
export interface ResendFacts {
  /** the request's method; '' for an L4 connection */
  readonly method: string;
  /** the request has a body (it may not have been sent whole, and can't be replayed) */
  readonly hasBody: boolean;
  /** bytes of the body already went to the backend */
  readonly bodySent: boolean;
  /** bytes of a response already went to the client */
  readonly responded: boolean;
}

export function isIdempotent(method: string): boolean {
  return IDEMPOTENT.has(method);
}

/**
 * May the request go to another backend after `failure`? `attempts` is how many were made.
 * Connect failures and refused streams are always safe (the backend saw nothing) while attempts
 * are left. Timeouts and 5xx only when `retries.on` names them and a resend is safe: an
 * idempotent method, no request body, nothing relayed to the client yet.
 */
export function mayRetryElsewhere(failure: Failure, facts: ResendFacts, attempts: number, policy: RetryPolicy): boolean {
  if (attempts > policy.attempts || facts.responded) return false;
  switch (failure) {
    case Failure.Connect:
      return true;
    case Failure.RefusedStream:
      return !facts.bodySent;
    case Failure.Timeout:
      return policy.on.includes('timeout') && resendable(facts);
    case Failure.ServerError:
      return policy.on.includes('5xx') && resendable(facts);
    case Failure.StaleConnection:
      return false; // retried on the same backend, see mayResendOnFreshConnection
  }
}

/**
 * A pooled socket turned out closed before any response byte: send the request once more,
 * to the same backend on a new connection, when nothing of it can have been processed.
 */
export function mayResendOnFreshConnection(facts: ResendFacts, alreadyResent: boolean): boolean {
  return !alreadyResent && !facts.bodySent && !facts.responded && isIdempotent(facts.method);
}

function resendable(facts: ResendFacts): boolean {
  return !facts.hasBody && isIdempotent(facts.method);
}
