// SIGTERM/SIGINT stop gracefully (Fulcrum.stop: in-flight requests, tunnels and tcp sessions get up
// to the drain grace), then exit 0; a second signal exits at once with 1.
import type { Fulcrum } from '../fulcrum.js';

/** Past the grace, closing sockets takes a moment; past this, something is stuck: exit anyway. */
const CLOSE_MARGIN_MS = 5000;

export function stopOnSignals(fulcrum: Fulcrum, onStop?: () => Promise<void>, graceMs?: number): void {
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) {
      fulcrum.logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    const grace = graceMs ?? fulcrum.drainGrace();
    fulcrum.logger.info({ signal, graceMs: grace }, 'stopping: no new connections; in-flight requests, tunnels and tcp sessions finish');
    setTimeout(() => {
      fulcrum.logger.error({ graceMs: grace }, 'stop did not finish after the grace; exiting');
      process.exit(1);
    }, grace + CLOSE_MARGIN_MS).unref();
    void Promise.all([fulcrum.stop(grace), onStop?.()]).then(
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
}
