// HTTP/2 and gRPC settings: a listener's `http2` (downstream) and a service's `protocol` (upstream).
// docs/http2-grpc.md explains them.
import { z } from 'zod';
import { UPSTREAM_PROTOCOLS } from './enums.js';
import { count, duration, size } from './values.js';

/** `http2` of an http or https listener; `enabled` defaults to true on https and false (h2c is opt-in) on http. */
export const listenerHttp2Schema = (enabledByDefault: boolean) =>
  z.strictObject({
    enabled: z.boolean().default(enabledByDefault), // https: true (offered by ALPN); http: false (h2c with prior knowledge when true)
    maxConcurrentStreams: count(100, 1), // 100 streams at once per connection
    maxHeaderListSize: size(16 * 1024), // 16kb of header fields per request (names + values + 32 each)
    maxResetsPerWindow: count(100, 1), // 100 client RST_STREAMs per resetWindow, then GOAWAY (rapid reset)
    resetWindow: duration(10_000), // 10s
    // who speaks HTTP/2 to clients: Fulcrum's own connection layer, or node:http2 (nghttp2)
    codec: z.enum(['fulcrum', 'node']).default('fulcrum'), // fulcrum; node:http2 (nghttp2) with node
    initialWindowSize: size(65535).refine((n) => n >= 1 && n <= 0x7fffffff, 'expected 1 to 2^31-1 bytes'), // 64kb - 1 of request body in flight per stream
    maxFrameSize: size(16384).refine((n) => n >= 16384 && n <= 16777215, 'expected 16kb to 16mb - 1'), // 16kb: SETTINGS_MAX_FRAME_SIZE
  });

/** `protocol` of a service: how Fulcrum talks to its backends. */
export const upstreamProtocolSchema = z.enum(UPSTREAM_PROTOCOLS);
