/** A request Fulcrum refuses: the status to answer and why (for logs). */
export class HttpParseError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
  ) {
    super(reason);
  }
}
