// `fulcrum reload` and `fulcrum stop`: signal the running process named by its pid file
// (SIGHUP, SIGTERM), or, for reload, ask its admin API (POST /api/v1/reload with the token).
import { isAlive, readPid } from './pid-file.js';

export interface ControlOutput {
  out: (line: string) => void;
  err: (line: string) => void;
}

const consoleOutput: ControlOutput = { out: (line) => console.log(line), err: (line) => console.error(line) };

/** How often `fulcrum stop` looks whether the process is gone (a pid cannot be awaited from outside). */
const POLL_MS = 100;

export async function reloadCommand(options: { pidFile?: string; admin?: string; token?: string }, output = consoleOutput): Promise<number> {
  if (options.admin !== undefined) return reloadThroughAdmin(options.admin, options.token, output);
  const pid = readPid(requirePidFile(options.pidFile))!;
  process.kill(pid, 'SIGHUP');
  output.out(`sent SIGHUP to ${pid}: the outcome is in its log ("reloaded" or "reload refused")`);
  return 0;
}

/** Sends SIGTERM and, unless `wait` is false, waits until the process has exited (up to `timeoutMs`). */
export async function stopCommand(options: { pidFile?: string; wait?: boolean; timeoutMs?: number }, output = consoleOutput): Promise<number> {
  const pid = readPid(requirePidFile(options.pidFile))!;
  process.kill(pid, 'SIGTERM');
  if (options.wait === false) {
    output.out(`sent SIGTERM to ${pid}`);
    return 0;
  }
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  while (isAlive(pid)) {
    if (Date.now() > deadline) {
      output.err(`fulcrum (pid ${pid}) is still stopping after ${options.timeoutMs ?? 60_000} ms`);
      return 1;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  output.out(`fulcrum (pid ${pid}) stopped`);
  return 0;
}

function requirePidFile(path: string | undefined): string {
  if (path === undefined) throw new Error('which fulcrum? give -p/--pid-file PATH (the one `fulcrum start --pid-file` wrote)');
  return path;
}

async function reloadThroughAdmin(base: string, token: string | undefined, output: ControlOutput): Promise<number> {
  const url = new URL('/api/v1/reload', base);
  const headers: Record<string, string> = token === undefined ? {} : { authorization: `Bearer ${token}` };
  const response = await fetch(url, { method: 'POST', headers, signal: AbortSignal.timeout(30_000) });
  const text = await response.text();
  if (!response.ok) {
    output.err(`${url}: ${response.status} ${text.trim()}`);
    return 1;
  }
  output.out(text.trim());
  return 0;
}
