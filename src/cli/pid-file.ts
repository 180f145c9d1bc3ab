// `--pid-file PATH`: written once Fulcrum serves, removed when the process exits (any exit:
// a second signal's process.exit too); read by `fulcrum reload` and `fulcrum stop`.
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';

/** Writes this process's pid to `path`; refuses when the file names a process that is still running. */
export function writePidFile(path: string): void {
  const running = readPid(path, false);
  if (running !== null && running !== process.pid && isAlive(running)) throw new Error(`${path}: fulcrum is already running as pid ${running}`);
  writeFileSync(path, `${process.pid}\n`);
  process.once('exit', () => {
    // another instance may have taken the file over since: remove only our own
    if (readPid(path, false) === process.pid) unlinkSync(path);
  });
}

/** The pid in `path`; null when the file is missing or unreadable and `required` is false. */
export function readPid(path: string, required = true): number | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (!required) return null;
    throw new Error(`${path}: cannot read the pid file (${(error as NodeJS.ErrnoException).code ?? String(error)}); is fulcrum running with --pid-file?`);
  }
  const pid = Number(text.trim());
  if (!Number.isInteger(pid) || pid <= 0) {
    if (!required) return null;
    throw new Error(`${path}: expected a pid, got "${text.trim()}"`);
  }
  return pid;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
