// Runs a shipped example config for real: the file under examples/ is parsed, only its addresses
// (listeners, admin, backends), the redirect port that points at one of its listeners and its
// file paths (certificates, static roots: made absolute) are rewritten, and the result is written
// to a temp file that Fulcrum loads exactly as `fulcrum start -c` does. No second copy of a config
// is written by hand: what the test runs is what the example says.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { formatConfigError, loadConfigFile } from '../../src/config/index.js';
import { Fulcrum } from '../../src/fulcrum.js';
import { captureLogger, type CapturedLogger } from '../helpers/health.js';
import { freePort } from '../helpers/l4.js';

/** The repository's examples/ folder (this file runs from dist/test/examples/). */
export const EXAMPLES_DIR = fileURLToPath(new URL('../../../examples/', import.meta.url));

/** Every `*.yaml` under examples/, relative to it, sorted. */
export function exampleFiles(dir = EXAMPLES_DIR): string[] {
  const found: string[] = [];
  const walk = (at: string): void => {
    for (const name of readdirSync(at)) {
      const path = join(at, name);
      // examples/simulate/ holds `fulcrum simulate` scenarios, not configs (test/simulate checks them)
      if (statSync(path).isDirectory()) {
        if (name !== 'simulate') walk(path);
      } else if (name.endsWith('.yaml') || name.endsWith('.yml')) found.push(relative(dir, path));
    }
  };
  walk(dir);
  return found.sort();
}

type Node = Record<string, unknown>;

export interface RunOptions {
  /** the example's backend address → the address of the real backend the test started; every backend must be mapped */
  backends: Record<string, string>;
  /**
   * Values to replace, by dotted path (`services.app.slowStart`), for timings only a test cannot wait
   * for (a 30 s ramp); each path must already exist in the example, so no feature is added.
   */
  timings?: Record<string, string>;
}

export interface RunningExample {
  fulcrum: Fulcrum;
  log: CapturedLogger;
  /** the parsed example as shipped */
  original: Node;
  /** the bound port of a listener, by name */
  port(listener: string): number;
  close(): Promise<void>;
}

/** Parses an example, rewrites addresses and paths, and starts Fulcrum on it. */
export async function runExample(file: string, options: RunOptions): Promise<RunningExample> {
  const source = join(EXAMPLES_DIR, file);
  const original = parse(readFileSync(source, 'utf8')) as Node;
  const config = structuredClone(original);
  const base = dirname(source);
  const absolute = (path: unknown): string => (typeof path === 'string' && !isAbsolute(path) ? resolve(base, path) : String(path));

  const listenerPorts = new Map<string, number>();
  const listeners = (config.listeners ?? []) as Node[];
  for (const listener of listeners) {
    const oldPort = portOf(String(listener.address));
    const port = await freePort();
    listenerPorts.set(String(oldPort), port);
    listener.address = `127.0.0.1:${port}`;
  }
  if (config.admin !== undefined) (config.admin as Node).address = `127.0.0.1:${await freePort()}`;
  for (const listener of listeners) {
    const redirect = listener.redirectToHttps as Node | boolean | undefined;
    if (typeof redirect === 'object' && redirect.port !== undefined) {
      const mapped = listenerPorts.get(String(redirect.port));
      if (mapped !== undefined) redirect.port = mapped;
    }
    const tls = listener.tls as Node | undefined;
    if (tls !== undefined) {
      for (const pair of (tls.certificates ?? []) as Node[]) {
        pair.cert = absolute(pair.cert);
        pair.key = absolute(pair.key);
      }
      const clientAuth = tls.clientAuth as Node | undefined;
      if (clientAuth?.ca !== undefined) clientAuth.ca = absolute(clientAuth.ca);
    }
  }
  for (const [name, service] of Object.entries((config.services ?? {}) as Record<string, Node>)) {
    for (const backend of (service.backends ?? []) as Node[]) {
      const mapped = options.backends[String(backend.address)];
      if (mapped === undefined) throw new Error(`${file}: services.${name} backend ${String(backend.address)} is not mapped to a test backend`);
      backend.address = mapped;
    }
    const tls = service.tls as Node | undefined;
    if (tls !== undefined) for (const key of ['ca', 'cert', 'key']) if (tls[key] !== undefined) tls[key] = absolute(tls[key]);
  }
  for (const definition of Object.values((config.middlewares ?? {}) as Record<string, Node>)) {
    const staticFiles = definition.static as Node | undefined;
    if (staticFiles !== undefined) staticFiles.root = absolute(staticFiles.root);
  }
  for (const [path, value] of Object.entries(options.timings ?? {})) setExisting(config, path, value, file);

  const dir = mkdtempSync(join(tmpdir(), 'fulcrum-example-'));
  const target = join(dir, file.replaceAll('/', '_'));
  writeFileSync(target, stringify(config));
  const loaded = await loadConfigFile(target);
  if (!loaded.ok) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`${file} (rewritten) does not load:\n${loaded.errors.map(formatConfigError).join('\n')}`);
  }
  const log = captureLogger();
  const fulcrum = await Fulcrum.start(loaded.config, { logger: log.logger });
  return {
    fulcrum,
    log,
    original,
    port: (listener) => fulcrum.address(listener).port,
    close: async () => {
      await fulcrum.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function portOf(address: string): number {
  return Number(address.slice(address.lastIndexOf(':') + 1));
}

function setExisting(config: Node, path: string, value: string, file: string): void {
  const keys = path.split('.');
  let at: Node = config;
  for (const key of keys.slice(0, -1)) {
    const next = at[key];
    if (typeof next !== 'object' || next === null) throw new Error(`${file}: ${path} is not in the example`);
    at = next as Node;
  }
  const last = keys.at(-1)!;
  if (!(last in at)) throw new Error(`${file}: ${path} is not in the example`);
  at[last] = value;
}
