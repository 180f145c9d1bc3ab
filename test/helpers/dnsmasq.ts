// A real DNS server on loopback for the discovery and dns-check tests: dnsmasq answering from a
// hosts file (rewritten + SIGHUP to change A records) and --srv-host lines (changed by a restart on
// the same port: dnsmasq reads them only at start). stop() leaves the port closed (refused),
// pause() leaves it open and silent (timeouts).
import { type ChildProcess, spawn } from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

export const DNSMASQ = '/usr/sbin/dnsmasq';

export interface DnsmasqOptions {
  /** hosts-file lines: "127.0.0.2 api.internal" */
  hosts: string[];
  /** --srv-host values: "_http._tcp.api.internal,be.internal,8080,0,10" (service,target,port,priority,weight) */
  srv?: string[];
  /** TTL of every answer, in seconds (dnsmasq's --local-ttl) */
  ttl?: number;
}

/**
 * A port on 127.0.0.1 free for both UDP and TCP (dnsmasq binds both): a UDP-free port can be a TCP
 * client's ephemeral port at the same moment, so the TCP side is checked too.
 */
export async function freeUdpPort(): Promise<number> {
  for (;;) {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    const { port } = socket.address();
    const tcp = net.createServer();
    const tcpFree = await new Promise<boolean>((resolve) => {
      tcp.once('error', () => resolve(false));
      tcp.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (tcpFree) await new Promise<void>((resolve) => tcp.close(() => resolve()));
    await new Promise<void>((resolve) => socket.close(() => resolve()));
    if (tcpFree) return port;
  }
}

export class Dnsmasq {
  private child: ChildProcess | null = null;
  private output = '';
  private constructor(
    readonly dir: string,
    readonly port: number,
    private options: DnsmasqOptions,
  ) {}

  /** "127.0.0.1:PORT" for `resolvers` */
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  static async start(options: DnsmasqOptions): Promise<Dnsmasq> {
    const dir = await mkdtemp(join(tmpdir(), 'fulcrum-dnsmasq-'));
    const server = new Dnsmasq(dir, await freeUdpPort(), options);
    await server.run();
    return server;
  }

  private get hostsFile(): string {
    return join(this.dir, 'hosts');
  }

  private async run(): Promise<void> {
    await writeFile(this.hostsFile, `${this.options.hosts.join('\n')}\n`);
    const args = [
      '--no-daemon',
      `--port=${this.port}`,
      '--listen-address=127.0.0.1',
      '--bind-interfaces',
      '--no-resolv',
      '--no-hosts',
      `--addn-hosts=${this.hostsFile}`,
      `--pid-file=${join(this.dir, 'pid')}`,
      '--conf-file=/dev/null',
      '--local=/internal/', // names under .internal it does not have are NXDOMAIN, not refused
      `--local-ttl=${this.options.ttl ?? 1}`,
      `--user=${userInfo().username}`,
      ...(this.options.srv ?? []).map((srv) => `--srv-host=${srv}`),
    ];
    const child = spawn(DNSMASQ, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.output = '';
    child.stdout!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    await this.waitFor(() => /read .*hosts/.test(this.output), 'dnsmasq to start');
  }

  /** Replace the hosts file and make dnsmasq read it again (SIGHUP). */
  async setHosts(hosts: string[]): Promise<void> {
    this.options = { ...this.options, hosts };
    const reads = this.reads();
    await writeFile(this.hostsFile, hosts.length > 0 ? `${hosts.join('\n')}\n` : '');
    this.child!.kill('SIGHUP');
    await this.waitFor(() => this.reads() > reads, 'dnsmasq to read its hosts file again');
  }

  /** New SRV records: dnsmasq reads them only at start, so it is restarted on the same port. */
  async setSrv(srv: string[]): Promise<void> {
    this.options = { ...this.options, srv };
    await this.stop();
    await this.run();
  }

  /** Stops the server: queries to the port are refused (ICMP port unreachable). */
  async stop(): Promise<void> {
    const child = this.child;
    if (child === null || child.exitCode !== null) return;
    this.child = null;
    child.kill('SIGCONT');
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.run();
  }

  /** The server stays bound and answers nothing: queries time out. */
  pause(): void {
    this.child!.kill('SIGSTOP');
  }

  resume(): void {
    this.child!.kill('SIGCONT');
  }

  async close(): Promise<void> {
    await this.stop();
    await rm(this.dir, { recursive: true, force: true });
  }

  private reads(): number {
    return (this.output.match(/read .*hosts/g) ?? []).length;
  }

  private async waitFor(done: () => boolean, what: string): Promise<void> {
    const until = Date.now() + 5000;
    while (!done()) {
      if (this.child?.exitCode != null) throw new Error(`dnsmasq exited: ${this.output}`);
      if (Date.now() > until) throw new Error(`timed out waiting for ${what}: ${this.output}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}
