import pino from 'pino';
import type { AccessLogConfig, AccessLogField } from '../config/types.js';
import type { Backend } from '../pool/backend.js';

/** The request as the access log reads it (an HTTP/1.1 head or an HTTP/2 stream's, seen the same way). */
export interface LoggedRequest {
  readonly method: string;
  readonly authority: string;
  readonly target: string;
  readonly requestId: string;
  readonly fields: { get(lowerName: string): string | undefined };
}

/** What an access log line can say about a request; the config picks the fields. */
interface RequestFacts {
  listener: string;
  route: string;
  service: string;
  backend: Backend | null;
  clientIp: string;
  protocol: string;
  head: LoggedRequest;
  status: number;
  durationMs: number;
  bytesIn: number;
  bytesOut: number;
}

type FieldWriter = (line: Record<string, unknown>, facts: RequestFacts) => void;

const WRITERS: Record<AccessLogField, FieldWriter> = {
  time: (line) => (line.time = new Date().toISOString()),
  listener: (line, f) => (line.listener = f.listener),
  route: (line, f) => (line.route = f.route),
  service: (line, f) => (line.service = f.service),
  backend: (line, f) => (line.backend = f.backend?.id ?? null),
  clientIp: (line, f) => (line.clientIp = f.clientIp),
  method: (line, f) => (line.method = f.head.method),
  host: (line, f) => (line.host = f.head.authority),
  path: (line, f) => (line.path = f.head.target),
  protocol: (line, f) => (line.protocol = f.protocol),
  status: (line, f) => (line.status = f.status),
  durationMs: (line, f) => (line.durationMs = Math.round(f.durationMs * 1000) / 1000),
  bytesIn: (line, f) => (line.bytesIn = f.bytesIn),
  bytesOut: (line, f) => (line.bytesOut = f.bytesOut),
  requestId: (line, f) => (line.requestId = f.head.requestId || null),
  userAgent: (line, f) => (line.userAgent = f.head.fields.get('user-agent') ?? null),
  referer: (line, f) => (line.referer = f.head.fields.get('referer') ?? null),
};

/**
 * One JSON line per request, written through pino's asynchronous destination so the
 * data path never waits on the disk. Off unless `log.access` is configured.
 */
export class AccessLog {
  private readonly destination: pino.DestinationStream & { end?: () => void; flushSync?: () => void; reopen?: () => void };
  private readonly writers: FieldWriter[];
  /** a file (reopened by name on SIGUSR1/SIGHUP), not stdout/stderr */
  private readonly isFile: boolean;

  constructor(config: AccessLogConfig) {
    const target = config.destination;
    const fd = target === 'stdout' ? 1 : target === 'stderr' ? 2 : undefined;
    this.isFile = fd === undefined;
    this.destination = fd !== undefined ? pino.destination({ fd, sync: false }) : pino.destination({ dest: target, sync: false, mkdir: true });
    this.writers = config.fields.map((field) => WRITERS[field]);
  }

  request(facts: RequestFacts): void {
    const line: Record<string, unknown> = {};
    for (let i = 0; i < this.writers.length; i++) this.writers[i]!(line, facts);
    this.destination.write(JSON.stringify(line) + '\n');
  }

  /** Open the file again by its name (after logrotate moved it: SIGUSR1, SIGHUP); stdout/stderr are left alone. */
  reopen(): void {
    if (this.isFile) this.destination.reopen?.();
  }

  /** Write what is buffered (on shutdown, and in tests). */
  flush(): void {
    this.destination.flushSync?.();
  }
}
