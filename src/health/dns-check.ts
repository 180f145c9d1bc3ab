import dgram from 'node:dgram';
import net, { isIPv6 } from 'node:net';
import type { HealthCheckConfig } from '../config/types.js';
import { decodeAnswer, encodeQuery, type DnsAnswer } from '../net/dns-message.js';
import type { Backend } from '../pool/backend.js';
import { abortReason, type HealthCheck } from './health-check.js';

/** The part of a dns check's config the probe reads. */
type DnsCheckConfig = Pick<HealthCheckConfig, 'port' | 'query' | 'queryType' | 'expectRcode' | 'expectAnswer' | 'transport'>;

/**
 * Healthy when the backend answers a DNS query with the expected rcode (and, when one is set, an
 * A/AAAA record holding the expected address). Over UDP (a socket per probe, so a late answer to
 * an earlier probe cannot pass for this one's: the id must match too) or TCP (length-prefixed).
 */
export class DnsCheck implements HealthCheck {
  private readonly query: string;
  private readonly queryType: string;
  private readonly expectRcode: string;
  private readonly expectAnswer: string | undefined;

  constructor(private readonly config: DnsCheckConfig) {
    this.query = config.query ?? '.';
    this.queryType = config.queryType ?? 'A';
    this.expectRcode = config.expectRcode ?? 'NOERROR';
    this.expectAnswer = config.expectAnswer === undefined ? undefined : canonicalIp(config.expectAnswer);
  }

  async check(backend: Backend, signal: AbortSignal): Promise<void> {
    const id = Math.floor(Math.random() * 0x10000);
    const query = encodeQuery(id, this.query, this.queryType);
    const port = this.config.port ?? backend.port;
    const answer = this.config.transport === 'tcp' ? await askTcp(backend.host, port, query, signal) : await askUdp(backend.host, port, query, signal);
    if (answer.id !== id) throw new Error(`dns: answer id ${answer.id}, asked ${id}`);
    if (answer.rcode !== this.expectRcode) throw new Error(`dns: rcode ${answer.rcode}, expected ${this.expectRcode}`);
    if (this.expectAnswer !== undefined && !answer.addresses.map(canonicalIp).includes(this.expectAnswer)) {
      throw new Error(`dns: ${this.query} ${this.queryType} answered ${answer.addresses.join(', ') || 'no address'}, expected ${this.expectAnswer}`);
    }
  }
}

function canonicalIp(address: string): string {
  return isIPv6(address) ? new URL(`http://[${address}]/`).hostname.slice(1, -1) : address;
}

function askUdp(host: string, port: number, query: Buffer, signal: AbortSignal): Promise<DnsAnswer> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(abortReason(signal));
    const socket = dgram.createSocket(isIPv6(host) ? 'udp6' : 'udp4');
    let finished = false;
    const done = (error: Error | null, answer?: DnsAnswer): void => {
      if (finished) return;
      finished = true;
      signal.removeEventListener('abort', onAbort);
      socket.close();
      if (error !== null) reject(error);
      else resolve(answer!);
    };
    const onAbort = (): void => done(abortReason(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    // connected: an ICMP port unreachable comes back as ECONNREFUSED rather than a timeout
    socket.on('error', (error: NodeJS.ErrnoException) => done(new Error(`dns: ${error.code ?? error.message}`)));
    socket.on('message', (message) => {
      try {
        done(null, decodeAnswer(message));
      } catch (error) {
        done(new Error(`dns: malformed answer: ${(error as Error).message}`));
      }
    });
    socket.connect(port, host, () => socket.send(query));
  });
}

function askTcp(host: string, port: number, query: Buffer, signal: AbortSignal): Promise<DnsAnswer> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(abortReason(signal));
    const socket = net.connect({ host, port });
    let received = Buffer.alloc(0);
    let finished = false;
    const done = (error: Error | null, answer?: DnsAnswer): void => {
      if (finished) return;
      finished = true;
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      if (error !== null) reject(error);
      else resolve(answer!);
    };
    const onAbort = (): void => done(abortReason(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    const prefix = Buffer.alloc(2);
    prefix.writeUInt16BE(query.length);
    socket.once('connect', () => socket.end(Buffer.concat([prefix, query])));
    socket.on('error', (error: NodeJS.ErrnoException) => done(new Error(`connect: ${error.code ?? error.message}`)));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length < 2 || received.length < 2 + received.readUInt16BE(0)) return;
      try {
        done(null, decodeAnswer(received.subarray(2, 2 + received.readUInt16BE(0))));
      } catch (error) {
        done(new Error(`dns: malformed answer: ${(error as Error).message}`));
      }
    });
    socket.on('end', () => done(new Error('dns: connection closed before a whole answer')));
  });
}
