// What middlewares keep per client connection: access verdicts (the client IP of a connection from
// an untrusted peer never changes, so a CIDR list is checked once) and the per-client connection
// counts it holds in the StateStore, given back when the connection closes.
import type { StateStore } from '../../state/state-store.js';

export class ConnectionMiddlewareState {
  /** by middleware object: the verdict for this connection's client */
  verdicts: Map<object, boolean> | null = null;
  /** store keys this connection counts in (maxConnectionsPerClient) */
  private readonly held: Array<{ store: StateStore; key: string; owner: object }> = [];

  holds(owner: object): boolean {
    for (const h of this.held) if (h.owner === owner) return true;
    return false;
  }

  hold(owner: object, store: StateStore, key: string): void {
    this.held.push({ owner, store, key });
  }

  /** The connection closed: stop counting it. */
  release(): void {
    for (const { store, key } of this.held) {
      const left = store.increment(key, -1, 0);
      if (typeof left === 'number' && left <= 0) void store.delete(key);
    }
    this.held.length = 0;
  }
}
