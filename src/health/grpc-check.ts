import http2 from 'node:http2';
import { formatHostPort } from '../config/net.js';
import type { Backend } from '../pool/backend.js';
import { abortReason, type HealthCheck } from './health-check.js';

const PATH = '/grpc.health.v1.Health/Check';
/** HealthCheckResponse.ServingStatus (grpc/health/v1/health.proto) */
const STATUS_NAMES = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'];
const SERVING = 1;

/**
 * Healthy when the gRPC health-checking protocol answers SERVING for `service` ('' asks
 * about the server as a whole). Plain HTTP/2 with prior knowledge (h2c), a fresh session
 * per probe, closed after. The two messages are tiny enough to encode by hand, so this
 * needs no protobuf library.
 */
export class GrpcCheck implements HealthCheck {
  private readonly request: Buffer;

  constructor(
    service: string,
    private readonly port?: number,
  ) {
    this.request = grpcFrame(encodeRequest(service));
  }

  check(backend: Backend, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(abortReason(signal));
      const authority = formatHostPort({ host: backend.host, port: this.port ?? backend.port });
      const session = http2.connect(`http://${authority}`);
      let settled = false;
      const settle = (error: Error | null): void => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        session.destroy();
        if (error === null) resolve();
        else reject(error);
      };
      const onAbort = (): void => settle(abortReason(signal));
      signal.addEventListener('abort', onAbort, { once: true });
      session.on('error', (error: NodeJS.ErrnoException) => settle(new Error(`grpc: ${error.code ?? error.message}`)));
      const stream = session.request({
        ':method': 'POST',
        ':path': PATH,
        'content-type': 'application/grpc',
        te: 'trailers',
        'user-agent': 'fulcrum-health-check',
      });
      const parts: Buffer[] = [];
      let status: string | undefined;
      stream.on('response', (headers) => {
        if (headers['grpc-status'] !== undefined) status = String(headers['grpc-status']); // trailers-only answer
      });
      stream.on('trailers', (trailers) => {
        status = trailers['grpc-status'] === undefined ? undefined : String(trailers['grpc-status']);
      });
      stream.on('data', (chunk: Buffer) => parts.push(chunk));
      stream.on('error', (error: NodeJS.ErrnoException) => settle(new Error(`grpc: ${error.code ?? error.message}`)));
      stream.on('close', () => {
        if (status !== '0') return settle(new Error(`grpc: grpc-status ${status ?? 'missing'}`));
        const serving = decodeStatus(Buffer.concat(parts));
        if (serving === SERVING) settle(null);
        else settle(new Error(`grpc: ${STATUS_NAMES[serving] ?? `status ${serving}`}`));
      });
      stream.end(this.request);
    });
  }
}

/** HealthCheckRequest { string service = 1; } */
function encodeRequest(service: string): Buffer {
  if (service === '') return Buffer.alloc(0);
  const text = Buffer.from(service, 'utf8');
  return Buffer.concat([Buffer.from([0x0a]), varint(text.length), text]);
}

/** A gRPC length-prefixed message: uncompressed flag, 4-byte big-endian length, bytes. */
function grpcFrame(message: Buffer): Buffer {
  const frame = Buffer.alloc(5 + message.length);
  frame.writeUInt32BE(message.length, 1);
  message.copy(frame, 5);
  return frame;
}

/** HealthCheckResponse { ServingStatus status = 1; } from a gRPC frame; 0 (UNKNOWN) when absent. */
function decodeStatus(frame: Buffer): number {
  if (frame.length < 5) return 0;
  const message = frame.subarray(5, 5 + frame.readUInt32BE(1));
  let i = 0;
  while (i < message.length) {
    const key = message[i++]!;
    if (key === 0x08) return readVarint(message, i);
    if ((key & 7) === 0) while (i < message.length && message[i++]! & 0x80);
    else if ((key & 7) === 2)
      i += readVarint(message, i) + 1; // length-delimited (lengths < 128 here)
    else return 0;
  }
  return 0;
}

function varint(value: number): Buffer {
  const bytes: number[] = [];
  while (value > 0x7f) {
    bytes.push((value & 0x7f) | 0x80);
    value >>>= 7;
  }
  bytes.push(value);
  return Buffer.from(bytes);
}

function readVarint(buf: Buffer, at: number): number {
  let value = 0;
  for (let shift = 0; at < buf.length && shift < 35; shift += 7) {
    const b = buf[at++]!;
    value |= (b & 0x7f) << shift;
    if ((b & 0x80) === 0) break;
  }
  return value;
}
