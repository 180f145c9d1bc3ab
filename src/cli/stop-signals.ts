// SIGTERM/SIGINT stop gracefully (Fulcrum.stop: in-flight requests, tunnels and tcp sessions get up
// to the drain grace), then exit 0; a second signal exits at once with 1. With an accept grace,
// /readyz answers 503 at once but the listeners keep accepting for that long first: time for
// keepalived or a balancer in front to send new connections elsewhere (Traefik's
// requestAcceptGraceTimeout, HAProxy's grace).
import type { Fulcrum } from '../fulcrum.js';

/** Past the grace, closing sockets takes a moment; past this, something is stuck: exit anyway. */
const CLOSE_MARGIN_MS = 5000;

/** A stop signal that arrived before stopOnSignals was installed (while starting), and its handler. */
let held: NodeJS.Signals | null = null;
let holder: ((signal: NodeJS.Signals) => void) | null = null;

/**
 * From the start of `fulcrum start` until stopOnSignals: a SIGINT/SIGTERM is remembered (and acted on
 * once the stop can be graceful) rather than killing the process. With workers the listeners answer
 * (and log "listening") before the main thread has finished starting; a second signal exits with 1.
 */
export function holdStopSignals(): void {
  if (holder !== null) return;
  holder = (signal) => {
    if (held !== null) process.exit(1);
    held = signal;
  };
  process.on('SIGINT', holder);
  process.on('SIGTERM', holder);
}

export function stopOnSignals(fulcrum: Fulcrum, onStop?: () => Promise<void>, graceMs?: number, acceptGraceMs = 0): void {
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) {
      fulcrum.logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    const grace = graceMs ?? fulcrum.drainGrace();
    fulcrum.markStopping();
    if (acceptGraceMs > 0) fulcrum.logger.info({ signal, acceptGraceMs }, 'stopping: /readyz answers 503; still accepting during the accept grace');
    setTimeout(
      () => {
        fulcrum.logger.error({ graceMs: grace }, 'stop did not finish after the grace; exiting');
        process.exit(1);
      },
      acceptGraceMs + grace + CLOSE_MARGIN_MS,
    ).unref();
    // onStop (the admin API) after the drain: until then /readyz answers 503 rather than nothing
    void (async () => {
      if (acceptGraceMs > 0) await new Promise((resolve) => setTimeout(resolve, acceptGraceMs));
      // logged once no listener accepts (with workers: every worker's), so it is true when read
      await fulcrum.stop(grace, () => fulcrum.logger.info({ signal, graceMs: grace }, 'stopping: no new connections; in-flight requests, tunnels and tcp sessions finish'));
      await onStop?.();
    })().then(
      () => {
        fulcrum.logger.info({}, 'stopped');
        // the line is written asynchronously: exit once it is out
        fulcrum.logger.flush(() => process.exit(0));
      },
      (error: unknown) => {
        fulcrum.logger.error({ err: error }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  if (holder !== null) {
    process.off('SIGINT', holder);
    process.off('SIGTERM', holder);
    holder = null;
  }
  if (held !== null) {
    const signal = held;
    held = null;
    stop(signal);
  }
}
