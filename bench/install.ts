// Makes sure nginx, haproxy and wrk are installed; installs the missing ones with apt-get.
import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface Tools {
  nginx: string;
  haproxy: string;
  wrk: string;
  h2load: string;
}

const PACKAGES: Record<keyof Tools, string> = { nginx: 'nginx', haproxy: 'haproxy', wrk: 'wrk', h2load: 'nghttp2-client' };
const EXTRA_DIRS = ['/usr/sbin', '/usr/local/sbin', '/sbin', '/usr/bin', '/usr/local/bin'];

/** Absolute path of an executable, looking in PATH and the sbin folders (nginx and haproxy live in /usr/sbin). */
export function findExecutable(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...EXTRA_DIRS];
  for (const dir of dirs) {
    const file = join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

function aptInstall(packages: string[]): void {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = (): void => {
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', ...packages], { stdio: 'inherit', env });
  };
  try {
    install();
  } catch {
    // The package lists may be missing or stale on a fresh machine.
    execFileSync('apt-get', ['update'], { stdio: 'inherit', env });
    install();
  }
}

export function ensureTools(needed: (keyof Tools)[]): Partial<Tools> {
  const missing = needed.filter((tool) => !findExecutable(tool));
  if (missing.length > 0) {
    const packages = missing.map((tool) => PACKAGES[tool]);
    console.log(`bench: installing ${packages.join(', ')} with apt-get`);
    aptInstall(packages);
  }
  const tools: Partial<Tools> = {};
  for (const tool of needed) {
    const path = findExecutable(tool);
    if (!path) throw new Error(`${tool} is still missing after apt-get install`);
    tools[tool] = path;
  }
  return tools;
}

/** One-line version strings for the results file. */
export function toolVersions(tools: Partial<Tools>): Record<string, string> {
  const versions: Record<string, string> = { node: process.version };
  const run = (file: string, args: string[]): string => {
    // nginx -v and wrk -v print on stderr, and wrk -v exits 1.
    const out = spawnSync(file, args, { encoding: 'utf8' });
    return `${out.stdout ?? ''}${out.stderr ?? ''}`;
  };
  const firstLine = (s: string): string =>
    s
      .split('\n')
      .find((l) => l.trim())
      ?.trim() ?? 'unknown';
  if (tools.nginx) versions.nginx = firstLine(run(tools.nginx, ['-v']));
  if (tools.haproxy) versions.haproxy = firstLine(run(tools.haproxy, ['-v']));
  if (tools.wrk) versions.wrk = firstLine(run(tools.wrk, ['-v']));
  if (tools.h2load) versions.h2load = firstLine(run(tools.h2load, ['--version']));
  return versions;
}
