// A private network of Linux network namespaces on one bridge, for tests that need real
// addresses (a VIP that moves, VRRP multicast). Everything lives inside namespaces this file
// creates, named "<prefix><pid>-<role>": the bridge sits in its own "sw" namespace, so the host's
// network is never touched. Leftovers of a crashed run (its pid gone) are removed first.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const PREFIX = 'fha';

/** Runs a command, failing with its stderr; bounded in time. */
export async function sh(file: string, args: readonly string[], timeoutMs = 10_000): Promise<string> {
  try {
    const { stdout } = await run(file, args, { timeout: timeoutMs });
    return stdout;
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`${file} ${args.join(' ')}: ${e.stderr?.trim() || e.message}`);
  }
}

/** Why namespaces cannot be made here, or null when they can. */
export async function netnsUnavailable(): Promise<string | null> {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (process.getuid?.() !== 0) return 'network namespaces need root (ip netns add)';
  const probe = `${PREFIX}${process.pid}-probe`;
  try {
    await sh('ip', ['netns', 'add', probe]);
    await sh('ip', ['netns', 'del', probe]);
    return null;
  } catch (error) {
    return `cannot create a network namespace: ${(error as Error).message}`;
  }
}

async function namespaces(): Promise<string[]> {
  const out = await sh('ip', ['netns', 'list']).catch(() => '');
  return out
    .split('\n')
    .map((line) => line.split(' ')[0]!)
    .filter((name) => name.startsWith(PREFIX));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Kills what runs inside a namespace (processes this harness started there), then deletes it. */
async function removeNamespace(name: string): Promise<void> {
  const pids = (await sh('ip', ['netns', 'pids', name]).catch(() => '')).split('\n').filter(Boolean).map(Number);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
  }
  await sh('ip', ['netns', 'del', name]).catch(() => undefined);
}

/** Removes the namespaces of earlier runs whose process is gone (a crash, a killed test run). */
export async function removeLeftovers(): Promise<void> {
  for (const name of await namespaces()) {
    const pid = Number(/^[a-z]+(\d+)-/.exec(name)?.[1]);
    if (Number.isFinite(pid) && pid !== process.pid && !alive(pid)) await removeNamespace(name);
  }
}

export interface Lab {
  /** the namespace of a role ("a", "b", "client", ...) */
  ns(role: string): string;
  /** starts a process inside a role's namespace; it is killed by close() if still running */
  spawn(role: string, command: string, args: readonly string[]): ChildProcess;
  /** runs a command inside a role's namespace and returns its stdout */
  exec(role: string, command: string, args: readonly string[]): Promise<string>;
  close(): Promise<void>;
}

/**
 * A bridge and one veth per host: each host's end is "eth0" in its namespace, with `address`
 * (CIDR) and loopback up.
 */
export async function createLab(hosts: Record<string, string>): Promise<Lab> {
  await removeLeftovers();
  const ns = (role: string) => `${PREFIX}${process.pid}-${role}`;
  const made: string[] = [];
  const children = new Set<ChildProcess>();
  const lab: Lab = {
    ns,
    spawn(role, command, args) {
      const child = spawn('ip', ['netns', 'exec', ns(role), command, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      children.add(child);
      child.once('exit', () => children.delete(child));
      return child;
    },
    exec: (role, command, args) => sh('ip', ['netns', 'exec', ns(role), command, ...args]),
    async close() {
      for (const child of children) child.kill('SIGKILL');
      for (const name of made.reverse()) await removeNamespace(name);
    },
  };
  try {
    const sw = ns('sw');
    await sh('ip', ['netns', 'add', sw]);
    made.push(sw);
    await sh('ip', ['-n', sw, 'link', 'add', 'br0', 'type', 'bridge']);
    await sh('ip', ['-n', sw, 'link', 'set', 'br0', 'up']);
    let index = 0;
    for (const [role, address] of Object.entries(hosts)) {
      const host = ns(role);
      await sh('ip', ['netns', 'add', host]);
      made.push(host);
      const port = `p${index++}`;
      // both ends are created inside the switch namespace, then one end moves to the host
      await sh('ip', ['-n', sw, 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', host]);
      await sh('ip', ['-n', sw, 'link', 'set', port, 'master', 'br0', 'up']);
      await sh('ip', ['-n', host, 'addr', 'add', address, 'dev', 'eth0']);
      await sh('ip', ['-n', host, 'link', 'set', 'eth0', 'up']);
      await sh('ip', ['-n', host, 'link', 'set', 'lo', 'up']);
    }
  } catch (error) {
    await lab.close();
    throw error;
  }
  return lab;
}
