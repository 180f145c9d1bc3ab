// A raw HTTP/2 client for what real clients refuse to send: forbidden header fields, CR/LF in
// values, and streams reset as fast as they open (rapid reset). HPACK literals only, no Huffman.
import net from 'node:net';

export const FRAME = { DATA: 0, HEADERS: 1, PRIORITY: 2, RST_STREAM: 3, SETTINGS: 4, PING: 6, GOAWAY: 7, WINDOW_UPDATE: 8 } as const;
export const FLAG = { END_STREAM: 1, ACK: 1, END_HEADERS: 4 } as const;
const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

export interface Frame {
  type: number;
  flags: number;
  stream: number;
  payload: Buffer;
}

export class RawH2Client {
  readonly frames: Frame[] = [];
  closed = false;
  private received = Buffer.alloc(0);
  private waiters: Array<() => void> = [];

  private constructor(
    readonly socket: net.Socket,
    private readonly ackSettings: boolean,
  ) {
    socket.on('data', (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk]);
      while (this.received.length >= 9) {
        const length = this.received.readUIntBE(0, 3);
        if (this.received.length < 9 + length) break;
        const frame = {
          type: this.received[3]!,
          flags: this.received[4]!,
          stream: this.received.readUInt32BE(5) & 0x7fffffff,
          payload: this.received.subarray(9, 9 + length),
        };
        this.received = this.received.subarray(9 + length);
        if (this.ackSettings && frame.type === FRAME.SETTINGS && (frame.flags & FLAG.ACK) === 0) this.send(FRAME.SETTINGS, FLAG.ACK, 0, Buffer.alloc(0));
        this.frames.push(frame);
      }
      this.wake();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
  }

  /** `ackSettings: false` leaves the server's SETTINGS unacknowledged. */
  static async connect(port: number, { ackSettings = true } = {}): Promise<RawH2Client> {
    const socket = net.connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const client = new RawH2Client(socket, ackSettings);
    socket.write(PREFACE);
    client.send(FRAME.SETTINGS, 0, 0, Buffer.alloc(0));
    return client;
  }

  send(type: number, flags: number, stream: number, payload: Buffer): boolean {
    const header = Buffer.alloc(9);
    header.writeUIntBE(payload.length, 0, 3);
    header[3] = type;
    header[4] = flags;
    header.writeUInt32BE(stream, 5);
    return this.socket.write(Buffer.concat([header, payload]));
  }

  /** A HEADERS frame with END_HEADERS (and END_STREAM unless told). */
  headers(stream: number, fields: Array<[string, string]>, endStream = true): void {
    this.send(FRAME.HEADERS, FLAG.END_HEADERS | (endStream ? FLAG.END_STREAM : 0), stream, hpackLiterals(fields));
  }

  rst(stream: number, code: number): void {
    const payload = Buffer.alloc(4);
    payload.writeUInt32BE(code);
    this.send(FRAME.RST_STREAM, 0, stream, payload);
  }

  /** Resolves with the first frame (seen so far or to come) that matches; rejects when the socket closes first. */
  async waitFor(match: (frame: Frame) => boolean, timeoutMs = 5000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.frames.find(match);
      if (found) return found;
      if (this.closed) throw new Error('connection closed before the frame');
      if (Date.now() > deadline) throw new Error('timed out waiting for a frame');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.socket.destroy();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

/** The error code of a RST_STREAM or GOAWAY frame. */
export function errorCode(frame: Frame): number {
  return frame.type === FRAME.GOAWAY ? frame.payload.readUInt32BE(4) : frame.payload.readUInt32BE(0);
}

export function requestFields(path = '/', extra: Array<[string, string]> = []): Array<[string, string]> {
  return [[':method', 'GET'], [':path', path], [':scheme', 'http'], [':authority', 'localhost'], ...extra];
}

/** Literal header fields without indexing, new names, no Huffman (RFC 7541 6.2.2). */
function hpackLiterals(fields: Array<[string, string]>): Buffer {
  const parts: Buffer[] = [];
  for (const [name, value] of fields) {
    parts.push(Buffer.from([0x00]), hpackString(name), hpackString(value));
  }
  return Buffer.concat(parts);
}

function hpackString(text: string): Buffer {
  const bytes = Buffer.from(text, 'latin1');
  return Buffer.concat([hpackInt(bytes.length, 7), bytes]);
}

function hpackInt(value: number, prefixBits: number): Buffer {
  const max = (1 << prefixBits) - 1;
  if (value < max) return Buffer.from([value]);
  const out = [max];
  value -= max;
  while (value >= 128) {
    out.push((value % 128) + 128);
    value = Math.floor(value / 128);
  }
  out.push(value);
  return Buffer.from(out);
}
