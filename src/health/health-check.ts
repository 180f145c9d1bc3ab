import type { Backend } from '../pool/backend.js';

/**
 * One kind of active probe (after Pingora's HealthCheck): resolves when the backend is
 * healthy, rejects with an Error whose message is the reason when it is not. `signal`
 * aborts it (timeout or stop); the probe must then release its socket and reject.
 */
export interface HealthCheck {
  check(backend: Backend, signal: AbortSignal): Promise<void>;
}

/** The reason an aborted probe gives: the signal's reason when it is an Error. */
export function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('aborted');
}
