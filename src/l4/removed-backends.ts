// Live L4 sessions on a backend that left its service. A reload (or the admin API) that removes a
// backend lets its HTTP requests finish within the service's drainTimeout; an L4 session may last
// for hours, so it gets the same bound: closed drainTimeout after its backend was removed (or its
// service was). One coarse check per listener, not a timer per session.
import { deadlines, type HasDeadline } from '../net/deadlines.js';
import type { Backend } from '../pool/backend.js';
import type { Service } from '../pool/service.js';

/** How often a listener looks for sessions on removed backends: operator time, not request time. */
const CHECK_MS = 1_000;

/** What the check reads of a session: where it is connected (null while it has no backend). */
export interface BackendSession {
  readonly service: Service;
  readonly currentBackend: Backend | null;
}

export class RemovedBackendSweep<S extends BackendSession> implements HasDeadline {
  deadline = 0;
  /** sessions on a removed backend, and when they are closed */
  private readonly closing = new Map<S, number>();

  constructor(
    private readonly live: () => Iterable<S>,
    private readonly close: (session: S) => void,
    /** the services of the running config: a session's service missing from it was removed */
    private services: ReadonlyMap<string, Service>,
  ) {}

  start(): void {
    this.deadline = Date.now() + CHECK_MS;
    deadlines.add(this);
  }

  stop(): void {
    deadlines.delete(this);
    this.closing.clear();
  }

  /** After a reload: the services in effect now. */
  setServices(services: ReadonlyMap<string, Service>): void {
    this.services = services;
  }

  onDeadline(now: number): void {
    const closing = this.closing;
    const seen = closing.size === 0 ? null : new Set<S>();
    for (const session of this.live()) {
      const backend = session.currentBackend;
      // `draining` first: it is false for nearly every backend, and the rest is only read then
      if (backend === null || !backend.draining || !this.removed(session.service, backend)) continue;
      seen?.add(session);
      const at = closing.get(session);
      if (at === undefined) closing.set(session, now + session.service.config.drainTimeout);
      else if (now >= at) {
        closing.delete(session);
        this.close(session);
      }
    }
    // ended meanwhile, or their backend came back
    if (seen !== null) for (const session of closing.keys()) if (!seen.has(session)) closing.delete(session);
    this.deadline = now + CHECK_MS;
  }

  private removed(service: Service, backend: Backend): boolean {
    return this.services.get(service.name) !== service || !service.backends.includes(backend);
  }
}
