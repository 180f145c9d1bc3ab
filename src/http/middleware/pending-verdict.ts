// An HTTP/1.1 request whose request phases answered with a promise. It holds the connection's
// exchange slot while the promise is pending, so pipelined requests wait behind it (reading is
// paused) and answers stay in order; the route's response timeout bounds the wait (504).
import { deadlines, type HasDeadline } from '../../net/deadlines.js';
import type { ClientConnection, ClientExchange } from '../client-connection.js';
import type { RouteTarget } from '../listener-state.js';
import type { Answer } from './chain.js';
import { failedPhaseAnswer, lateVerdictAnswer, type ChainRun } from './run.js';

export class PendingVerdict implements ClientExchange, HasDeadline {
  deadline: number;
  /** request body bytes that arrived while waiting (the socket is paused, so only what was in flight) */
  body: Buffer | null;
  private done = false;

  constructor(
    private readonly connection: ClientConnection,
    readonly run: ChainRun,
    readonly target: RouteTarget,
    readonly maxBodyBytes: number,
    /** body bytes received with the head */
    rest: Buffer | null,
  ) {
    this.body = rest;
    this.deadline = deadlines.at(target.settings.responseTimeout);
    deadlines.add(this);
  }

  /** Wait for `verdict`; the connection goes on in `verdictReady` unless the client left or time ran out. */
  wait(verdict: Promise<Answer | null>): void {
    verdict.then(this.settle, this.reject);
  }

  private readonly settle = (answer: Answer | null): void => {
    if (this.finish()) this.connection.verdictReady(this, answer);
  };

  private readonly reject = (error: unknown): void => {
    if (this.finish()) this.connection.verdictReady(this, failedPhaseAnswer(this.run, error));
  };

  onDeadline(): void {
    if (this.finish()) this.connection.verdictReady(this, lateVerdictAnswer(this.run, this.target.settings.responseTimeout));
  }

  /** True the first time: the wait is over (settled, timed out or cancelled). */
  private finish(): boolean {
    if (this.done) return false;
    this.done = true;
    deadlines.delete(this);
    return true;
  }

  clientBody(chunk: Buffer, start: number): void {
    const piece = start === 0 ? chunk : chunk.subarray(start);
    this.body = this.body === null ? piece : Buffer.concat([this.body, piece]);
  }

  clientDrain(): void {}

  /** The client closed (or ended its side before the body was complete): nothing will be answered. */
  clientAborted(): void {
    this.finish();
    this.connection.destroy();
  }

  clientTimeout(): void {
    this.clientAborted();
  }
}
