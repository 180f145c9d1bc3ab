import pino from 'pino';
import type { AccessLogConfig } from '../config/types.js';
import type { RequestFacts } from './access-fields.js';
import { compileAccessFormat, type LineFormatter } from './access-format.js';

export type { LoggedAttempt, LoggedConnection, LoggedRequest, RequestFacts } from './access-fields.js';

/**
 * One line per request (JSON or the configured text format), written through pino's asynchronous destination so the
 * data path never waits on the disk. Off unless `log.access` is configured.
 */
export class AccessLog {
  private readonly destination: pino.DestinationStream & { end?: () => void; flushSync?: () => void; reopen?: () => void };
  private readonly format: LineFormatter;
  /** a file (reopened by name on SIGUSR1/SIGHUP), not stdout/stderr */
  private readonly isFile: boolean;
  /** settles when the file opened by the last reopen() is open */
  private reopening: Promise<void> = Promise.resolve();
  /** whether the file is open (sonic-boom's flushSync throws while it is opening; the lines wait in its buffer) */
  private open = true;

  /** `sink`: where the lines go instead of the configured destination (a worker thread sends them to the main thread's log) */
  constructor(config: AccessLogConfig, sink?: { write(text: string): void; flushSync?: () => void }) {
    const target = config.destination;
    const fd = target === 'stdout' ? 1 : target === 'stderr' ? 2 : undefined;
    this.isFile = sink === undefined && fd === undefined;
    this.destination = sink !== undefined ? sink : fd !== undefined ? pino.destination({ fd, sync: false }) : pino.destination({ dest: target, sync: false, mkdir: true });
    this.format = compileAccessFormat(config);
    if (this.isFile) this.waitUntilOpen();
  }

  request(facts: RequestFacts): void {
    this.destination.write(this.format(facts));
  }

  /** Whole lines formatted elsewhere (by a worker thread). */
  writeLines(text: string): void {
    this.destination.write(text);
  }

  /** Open the file again by its name (after logrotate moved it: SIGUSR1, SIGHUP); stdout/stderr are left alone. */
  reopen(): void {
    if (!this.isFile || this.destination.reopen === undefined) return;
    this.waitUntilOpen();
    this.destination.reopen();
  }

  /** sonic-boom opens a file asynchronously and emits 'ready' once it is open (after a write in progress, if any). */
  private waitUntilOpen(): void {
    const destination = this.destination as typeof this.destination & { once?: (event: 'ready', listener: () => void) => void };
    this.open = false;
    this.reopening = new Promise((resolve) =>
      destination.once?.('ready', () => {
        this.open = true;
        resolve();
      }),
    );
  }

  /** Settles once the file of the last reopen() is open (lines written meanwhile are buffered, not lost). */
  opened(): Promise<void> {
    return this.reopening;
  }

  /** Write what is buffered (on shutdown, and in tests). */
  flush(): void {
    if (this.open) this.destination.flushSync?.();
  }
}
