/** A connection error (RFC 9113 §5.4.1): GOAWAY with `code`, then close. */
export class FrameError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** A stream error (RFC 9113 §5.4.2): RST_STREAM with `code` on that stream; the connection goes on. */
export class StreamError extends FrameError {}
