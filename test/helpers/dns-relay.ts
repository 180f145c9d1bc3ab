// A DNS server for tests that relays queries to another (dnsmasq) or answers every query with an
// rcode of its choice (SERVFAIL, REFUSED): the failures a real server gives that dnsmasq does not
// make on demand.
import dgram from 'node:dgram';

export class DnsRelay {
  /** null: relay; else answer this rcode (2 SERVFAIL, 5 REFUSED) */
  rcode: number | null = null;
  private constructor(
    private readonly socket: dgram.Socket,
    private readonly upstreamPort: number,
  ) {}

  get port(): number {
    return this.socket.address().port;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  static async start(upstreamPort: number): Promise<DnsRelay> {
    const socket = dgram.createSocket('udp4');
    const relay = new DnsRelay(socket, upstreamPort);
    socket.on('message', (query, from) => relay.answer(query, from));
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return relay;
  }

  private answer(query: Buffer, from: dgram.RemoteInfo): void {
    if (query.length < 12) return;
    if (this.rcode !== null) {
      const answer = Buffer.from(query);
      answer.writeUInt16BE(0x8180 | this.rcode, 2); // QR, RD, RA, the rcode; the question echoed, no records
      answer.writeUInt16BE(0, 6);
      answer.writeUInt16BE(0, 8);
      answer.writeUInt16BE(0, 10);
      this.socket.send(answer, from.port, from.address);
      return;
    }
    const upstream = dgram.createSocket('udp4');
    const timer = setTimeout(() => upstream.close(), 2000);
    upstream.once('message', (answer) => {
      clearTimeout(timer);
      upstream.close();
      this.socket.send(answer, from.port, from.address);
    });
    upstream.send(query, this.upstreamPort, '127.0.0.1');
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}
