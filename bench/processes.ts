// Every process the bench starts goes through here, so that all of them are killed at the end,
// on error, and on Ctrl-C. Each runs in its own process group, and the group is killed, so
// that workers (nginx) or helpers a proxy forks die with it.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { rmSync } from 'node:fs';

export interface Managed {
  name: string;
  child: ChildProcess;
  pid: number;
  /** Last few KB of stdout+stderr, for error messages. */
  output(): string;
  exited: boolean;
  /** "code 1" or "signal SIGSEGV" once exited. */
  exitReason?: string;
  /** SIGTERM the group, wait up to 3 s, then SIGKILL. */
  stop(): Promise<void>;
}

const live = new Set<Managed>();
const OUTPUT_KEEP = 8192;

export function startProcess(name: string, command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Managed {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // own process group: we kill the whole group by its id
  });
  if (child.pid === undefined) throw new Error(`could not start ${name} (${command})`);
  let buffer = '';
  const keep = (chunk: Buffer): void => {
    buffer = (buffer + chunk.toString('utf8')).slice(-OUTPUT_KEEP);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const managed: Managed = {
    name,
    child,
    pid: child.pid,
    output: () => buffer,
    exited: false,
    stop: async () => {
      if (managed.exited) return;
      signalGroup(managed.pid, 'SIGTERM');
      const timer = setTimeout(() => signalGroup(managed.pid, 'SIGKILL'), 3000);
      await once(child, 'exit').catch(() => undefined);
      clearTimeout(timer);
      signalGroup(managed.pid, 'SIGKILL'); // leftovers of the group, if any
    },
  };
  child.on('exit', (code, signal) => {
    managed.exited = true;
    managed.exitReason = signal ? `signal ${signal}` : `code ${code}`;
    live.delete(managed);
  });
  child.on('error', (err) => {
    buffer += `\n[spawn error] ${err.message}`;
  });
  live.add(managed);
  return managed;
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/** Short-lived children we wait for (wrk): killed too if we are stopped while they run. */
const transient = new Set<ChildProcess>();
export function trackTransient(child: ChildProcess): void {
  transient.add(child);
  child.once('exit', () => transient.delete(child));
}

/** Why a managed process died, with the tail of its output. */
export function describeExit(m: Managed): string {
  const tail = m.output().trim().split('\n').slice(-20).join('\n');
  return `${m.name} (pid ${m.pid}) exited with ${m.exitReason ?? 'unknown status'}${tail ? `:\n${tail}` : ''}`;
}

export async function stopAll(): Promise<void> {
  for (const child of transient) child.kill('SIGKILL');
  await Promise.all([...live].map((m) => m.stop()));
}

/** Synchronous last resort, for process 'exit' and fatal signals. */
function killAllNow(): void {
  for (const child of transient) child.kill('SIGKILL');
  for (const m of live) signalGroup(m.pid, 'SIGKILL');
}

/** Folders removed when the bench exits, however it exits. */
const tempDirs = new Set<string>();
export function removeOnExit(dir: string): void {
  tempDirs.add(dir);
}
export function removeTempDirs(): void {
  for (const dir of tempDirs) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // best effort
    }
    tempDirs.delete(dir);
  }
}

let installed = false;
export function installCleanupHandlers(): void {
  if (installed) return;
  installed = true;
  process.on('exit', () => {
    killAllNow();
    removeTempDirs();
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      console.error(`\nbench: ${signal}, stopping everything`);
      const hardExit = setTimeout(() => process.exit(130), 4000);
      hardExit.unref();
      stopAll().finally(() => process.exit(130));
    });
  }
}
