// Runs `fulcrum start -c FILE` in a child process, as a user would, so a test can watch
// its memory from /proc without the test's own allocations in the way.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export interface FulcrumProcess {
  child: ChildProcess;
  pid: number;
  /** listener name → bound port, from the "listening" log lines */
  ports: Map<string, number>;
  /** the exit code, or the signal's name */
  exited: Promise<number | string>;
  /** everything the process logged (stderr) */
  log(): string;
  stop(): Promise<void>;
}

/**
 * Starts Fulcrum from a YAML text (log level info or lower, so "listening" is logged) and waits until every listener is bound.
 * `args` go after `start -c FILE`.
 */
export async function startFulcrumProcess(yamlText: string, listenerCount = 1, timeoutMs = 10_000, args: readonly string[] = []): Promise<FulcrumProcess> {
  const dir = await mkdtemp(join(tmpdir(), 'fulcrum-proc-'));
  const file = join(dir, 'fulcrum.yaml');
  await writeFile(file, yamlText);
  const child = spawn(process.execPath, [MAIN, 'start', '-c', file, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  const ports = new Map<string, number>();
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? '')));
  child.stdout!.resume();
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`fulcrum did not start within ${timeoutMs} ms:\n${stderr}`)), timeoutMs);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`fulcrum exited with ${code} before listening:\n${stderr}`));
      });
      child.stderr!.setEncoding('utf8');
      child.stderr!.on('data', (text: string) => {
        stderr += text;
        for (const line of text.split('\n')) {
          if (!line.includes('"listening"')) continue;
          const entry = JSON.parse(line) as { listener: string; address: string };
          ports.set(entry.listener, Number(entry.address.slice(entry.address.lastIndexOf(':') + 1)));
        }
        if (ports.size >= listenerCount) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    child,
    pid: child.pid!,
    ports,
    exited,
    log: () => stderr,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}
