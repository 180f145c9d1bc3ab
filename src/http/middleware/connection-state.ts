// What middlewares keep per client connection: access verdicts (the client IP of a connection from
// an untrusted peer never changes, so a CIDR list is checked once) and the per-client connection
// counts it holds in the StateStore, given back when the connection closes.
import type { HeldCounts } from './held-counts.js';

export class ConnectionMiddlewareState {
  /** by middleware object: the verdict for this connection's client */
  verdicts: Map<object, boolean> | null = null;
  /** store keys this connection counts in (maxConnectionsPerClient) */
  private readonly held: Array<{ counts: HeldCounts; key: string; owner: object }> = [];

  holds(owner: object): boolean {
    for (const h of this.held) if (h.owner === owner) return true;
    return false;
  }

  hold(owner: object, counts: HeldCounts, key: string): void {
    this.held.push({ owner, counts, key });
  }

  /** Stop counting this connection for `owner` (its count could not be made). */
  releaseFor(owner: object): void {
    for (let i = this.held.length - 1; i >= 0; i--) {
      const hold = this.held[i]!;
      if (hold.owner !== owner) continue;
      this.held.splice(i, 1);
      hold.counts.remove(hold.key);
    }
  }

  /** The connection closed: stop counting it. */
  release(): void {
    for (const { counts, key } of this.held) counts.remove(key);
    this.held.length = 0;
  }
}
