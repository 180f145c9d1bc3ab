// An active-passive pair as examples/keepalived describes it, run for real in network namespaces:
// node a and node b each run Fulcrum and keepalived (the example configs, with the lab's
// addresses), a backend namespace answers both, a client namespace requests the VIP.
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLab, type Lab } from './netns.js';

const dist = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const MAIN = dist('../../src/cli/main.js');
const BACKEND = dist('./ha-backend.js');
const CLIENT = dist('./vip-client.js');
/** the examples live in the source tree, beside dist/ */
const EXAMPLES = dist('../../../examples/keepalived/');

/** The lab's subnet replaces the examples' 192.168.10.0/24 (only inside the lab's namespaces). */
const SUBNET = '10.203.0.';
export const NODE_ADDRESS = { a: `${SUBNET}11`, b: `${SUBNET}12` } as const;
export const VIP = `${SUBNET}50`;
export type Node = keyof typeof NODE_ADDRESS;

export interface ClientResult {
  t: number;
  ok: boolean;
  /** which node relayed it (from the backend's answer) */
  by?: Node;
  error?: string;
}

export interface Pair {
  lab: Lab;
  fulcrum: Record<Node, ChildProcess | null>;
  keepalived: Record<Node, ChildProcess | null>;
  results: ClientResult[];
  /** `args` go after `start -c FILE` */
  startFulcrum(node: Node, args?: readonly string[]): Promise<void>;
  startKeepalived(node: Node): Promise<void>;
  /** whether the VIP is configured on the node's interface */
  holdsVip(node: Node): Promise<boolean>;
  /** what keepalived and Fulcrum logged (from a mark() on), for a failure message */
  logs(since?: number): string;
  /** where the logs are now, for logs(since) */
  mark(): number;
  close(): Promise<void>;
}

const byAddress = new Map<string, Node>([
  [NODE_ADDRESS.a, 'a'],
  [NODE_ADDRESS.b, 'b'],
]);

export async function startPair(options: { keepalivedConf: Record<Node, string> }): Promise<Pair> {
  const lab = await createLab({ a: `${NODE_ADDRESS.a}/24`, b: `${NODE_ADDRESS.b}/24`, backend: `${SUBNET}21/24`, client: `${SUBNET}100/24` });
  const dir = await mkdtemp(join(tmpdir(), 'fulcrum-ha-'));
  const logs: string[] = [];
  /** every line of the process's output, as "[name] line\n" */
  const collect = (name: string, child: ChildProcess) => {
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      let pending = '';
      stream.setEncoding('utf8');
      stream.on('data', (text: string) => {
        const lines = (pending + text).split('\n');
        pending = lines.pop()!;
        for (const line of lines) logs.push(`[${name}] ${line}\n`);
      });
    }
  };
  const localise = (text: string) => text.replaceAll('192.168.10.', SUBNET);
  const nodeConf = (node: Node, text: string) => localise(text).replace(/router_id \S+/, `router_id fulcrum_${node}`);
  const results: ClientResult[] = [];
  const pair: Pair = {
    lab,
    fulcrum: { a: null, b: null },
    keepalived: { a: null, b: null },
    results,
    async startFulcrum(node, args = []) {
      const file = join(dir, `fulcrum-${node}.yaml`);
      await writeFile(file, localise(await readFile(join(EXAMPLES, 'fulcrum.yaml'), 'utf8')));
      const child = lab.spawn(node, process.execPath, [MAIN, 'start', '-c', file, ...args]);
      collect(`fulcrum-${node}`, child);
      pair.fulcrum[node] = child;
      await until(() => probe(lab, node), 10_000, `fulcrum on node ${node} ready`);
    },
    async startKeepalived(node) {
      const conf = join(dir, `keepalived-${node}.conf`);
      await writeFile(conf, nodeConf(node, await readFile(join(EXAMPLES, options.keepalivedConf[node]), 'utf8')));
      // its own pid files, VRRP only, in the foreground, logging to the console (not syslog)
      const args = ['-f', conf, '-p', join(dir, `keepalived-${node}.pid`), '-r', join(dir, `vrrp-${node}.pid`), '-P', '-n', '-l', '-D', '-G'];
      const child = lab.spawn(node, '/usr/sbin/keepalived', args);
      collect(`keepalived-${node}`, child);
      pair.keepalived[node] = child;
    },
    async holdsVip(node) {
      return (await lab.exec(node, 'ip', ['-o', 'addr', 'show', 'dev', 'eth0'])).includes(` ${VIP}/`);
    },
    logs: (since = 0) => logs.slice(since).join(''),
    mark: () => logs.length,
    async close() {
      for (const child of [pair.keepalived.a, pair.keepalived.b]) child?.kill('SIGTERM');
      await lab.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  try {
    const backend = lab.spawn('backend', process.execPath, [BACKEND, '8080']);
    collect('backend', backend);
    await lab.exec('backend', 'ip', ['addr', 'add', `${SUBNET}22/24`, 'dev', 'eth0']);
    await until(
      () =>
        lab.exec('a', 'curl', ['-fsS', '-m', '1', '-o', '/dev/null', `http://${SUBNET}21:8080/`]).then(
          () => true,
          () => false,
        ),
      10_000,
      'the backend',
    );
    await Promise.all([pair.startFulcrum('a'), pair.startFulcrum('b')]);
    // b only once a holds the VIP, so a is the master whatever the variant's states and priorities
    await pair.startKeepalived('a');
    await until(() => pair.holdsVip('a'), 15_000, 'the VIP on node a');
    await pair.startKeepalived('b');
    const client = lab.spawn('client', process.execPath, [CLIENT, `http://${VIP}:8080/`, '25', '100']);
    collect('client-err', { stderr: client.stderr } as ChildProcess);
    let pending = '';
    client.stdout!.setEncoding('utf8');
    client.stdout!.on('data', (text: string) => {
      pending += text;
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        const raw = JSON.parse(line) as { t: number; ok: boolean; by?: string; error?: string };
        results.push({ t: raw.t, ok: raw.ok, by: raw.by === undefined ? undefined : byAddress.get(raw.by), error: raw.error });
      }
    });
    await until(() => results.some((r) => r.ok && r.by === 'a'), 10_000, 'the client served through node a');
  } catch (error) {
    const text = pair.logs();
    await pair.close();
    throw new Error(`${(error as Error).message}\n${text}`);
  }
  return pair;
}

/** GET /readyz inside a node's namespace. */
function probe(lab: Lab, node: Node): Promise<boolean> {
  return lab.exec(node, 'curl', ['-fsS', '-m', '1', '-o', '/dev/null', 'http://127.0.0.1:9090/readyz']).then(
    () => true,
    () => false,
  );
}

export async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A request started this long before an event may still be in flight at it (the client's timeout and interval). */
const IN_FLIGHT_MS = 150;

/**
 * What the client saw from `since`: how long until node `to` served (start of that request), and the
 * requests that failed from one possibly in flight at `since` to a second after that first success.
 */
export function failover(results: readonly ClientResult[], since: number, to: Node): { ms: number; failed: number; total: number } | null {
  const first = results.find((r) => r.t >= since && r.ok && r.by === to);
  if (first === undefined) return null;
  const window = results.filter((r) => r.t >= since - IN_FLIGHT_MS && r.t <= first.t + 1000);
  return { ms: first.t - since, failed: window.filter((r) => !r.ok).length, total: window.length };
}
