// `npm run bench`: direct vs nginx vs HAProxy vs Fulcrum, HTTP/1.1 on loopback. See bench/README.md.
import { mkdtempSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { treeCpuSeconds } from './cpu.js';
import { startFulcrum } from './fulcrum.js';
import { startHaproxy } from './haproxy.js';
import { ensureTools, toolVersions, type Tools } from './install.js';
import { freePorts } from './net.js';
import { BODY_BYTES, startBackends, startNginxProxy } from './nginx.js';
import { parseOptions, type BenchOptions, type TargetName } from './options.js';
import { describeExit, installCleanupHandlers, removeOnExit, removeTempDirs, stopAll, type Managed } from './processes.js';
import { computeRatios, consoleTable, markdown, ratioLines, summarize, writeJson, type BenchReport, type RoundSample, type TargetResult } from './report.js';
import type { Target } from './target.js';
import { runWrk } from './wrk.js';
import { runH2load } from './h2load.js';
import { makeCertificate, type BenchCertificate } from './cert.js';

/** `fulcrum start` defaults to a worker per core; these rows are one worker, beside nginx's and HAProxy's one (fulcrum-w2 adds workers). */
const ONE_WORKER = ['--workers', '1'] as const;

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const RESULTS_FILE = join(REPO_ROOT, 'bench', 'results', 'latest.json');
const THROUGHPUT = { threads: 2, connections: 50 };
const LATENCY = { threads: 1, connections: 1 };
/** HTTP/2 rows: h2load with as many client connections as wrk, each with 10 streams at once */
const H2_STREAMS = 10;
const isH2 = (name: TargetName): boolean => name.endsWith('-h2');
/** TLS-terminating rows: keep-alive over TLS (-https), or a new TLS connection per request (-tls-new) */
const isTls = (name: TargetName): boolean => name.endsWith('-https') || name.endsWith('-tls-new');
const wrkLoad = (name: TargetName): { tls?: boolean; headers?: string[] } => (name.endsWith('-tls-new') ? { tls: true, headers: ['Connection: close'] } : isTls(name) ? { tls: true } : {});
const WARMUP_SEC = 2;

const log = (msg: string): void => console.log(`bench: ${msg}`);

async function startTarget(
  name: TargetName,
  baseline: string | undefined,
  tools: Partial<Tools>,
  workDir: string,
  port: number,
  backendPorts: number[],
  cert: BenchCertificate | undefined,
): Promise<{ target: Target; proc?: Managed }> {
  switch (name) {
    case 'direct':
      return { target: { name, port: backendPorts[0]! } };
    case 'nginx': {
      const proc = await startNginxProxy(tools.nginx!, join(workDir, 'nginx-proxy'), port, backendPorts);
      return { target: { name, port, proxyPid: proc.pid }, proc };
    }
    case 'haproxy': {
      const proc = await startHaproxy(tools.haproxy!, join(workDir, 'haproxy'), port, backendPorts);
      return { target: { name, port, proxyPid: proc.pid }, proc };
    }
    case 'fulcrum': {
      const proc = await startFulcrum(REPO_ROOT, join(workDir, 'fulcrum'), port, backendPorts, 'http', undefined, ONE_WORKER);
      return { target: { name, port, proxyPid: proc.pid }, proc };
    }
    case 'fulcrum-w2':
    case 'fulcrum-wauto': {
      const workers = name === 'fulcrum-w2' ? '2' : 'auto';
      const proc = await startFulcrum(REPO_ROOT, join(workDir, name), port, backendPorts, 'http', undefined, ['--workers', workers]);
      return { target: { name, port, proxyPid: proc.pid }, proc };
    }
    case 'haproxy-tcp': {
      const proc = await startHaproxy(tools.haproxy!, join(workDir, 'haproxy-tcp'), port, backendPorts, 'tcp');
      return { target: { name, port, proxyPid: proc.pid }, proc };
    }
    case 'nginx-h2': {
      const proc = await startNginxProxy(tools.nginx!, join(workDir, 'nginx-h2'), port, backendPorts, true);
      return { target: { name, port, proxyPid: proc.pid }, proc };
    }
    case 'fulcrum-h2': {
      const proc = await startFulcrum(REPO_ROOT, join(workDir, 'fulcrum-h2'), port, backendPorts, 'h2', undefined, ONE_WORKER);
      return { target: { name, port, proxyPid: proc.pid }, proc };
    }
    case 'fulcrum-tcp': {
      const proc = await startFulcrum(REPO_ROOT, join(workDir, 'fulcrum-tcp'), port, backendPorts, 'tcp', undefined, ONE_WORKER);
      return { target: { name, port, proxyPid: proc.pid }, proc };
    }
    case 'nginx-https':
    case 'nginx-tls-new': {
      const proc = await startNginxProxy(tools.nginx!, join(workDir, name), port, backendPorts, false, cert);
      return { target: { name, port, proxyPid: proc.pid }, proc };
    }
    case 'fulcrum-https':
    case 'fulcrum-tls-new': {
      const proc = await startFulcrum(REPO_ROOT, join(workDir, name), port, backendPorts, 'https', cert, ONE_WORKER);
      return { target: { name, port, proxyPid: proc.pid }, proc };
    }
    case 'base':
    case 'base-tcp':
    case 'base-h2':
    case 'base-https':
    case 'base-tls-new': {
      const protocol = name === 'base' ? 'http' : name === 'base-tcp' ? 'tcp' : name === 'base-h2' ? 'h2' : 'https';
      const proc = await startFulcrum(resolve(baseline!), join(workDir, name), port, backendPorts, protocol, cert, ONE_WORKER);
      return { target: { name, port, proxyPid: proc.pid }, proc };
    }
  }
}

async function measure(tools: Partial<Tools>, target: Target, round: number, durationSec: number): Promise<RoundSample> {
  const cpuBefore = target.proxyPid !== undefined ? treeCpuSeconds(target.proxyPid) : undefined;
  const h2 = isH2(target.name);
  const load = h2
    ? await runH2load(tools.h2load!, target.port, { ...THROUGHPUT, streams: H2_STREAMS, durationSec })
    : await runWrk(tools.wrk!, target.port, { ...THROUGHPUT, durationSec, ...wrkLoad(target.name) });
  const cpuAfter = target.proxyPid !== undefined ? treeCpuSeconds(target.proxyPid) : undefined;
  const lat = h2
    ? await runH2load(tools.h2load!, target.port, { ...LATENCY, streams: 1, durationSec, latency: true })
    : await runWrk(tools.wrk!, target.port, { ...LATENCY, durationSec, latency: true, ...wrkLoad(target.name) });
  const cpuSeconds = cpuBefore !== undefined && cpuAfter !== undefined ? cpuAfter - cpuBefore : undefined;
  return {
    round,
    reqPerSec: load.requestsPerSec,
    requests: load.requests,
    p50Ms: lat.latencyMs.p50,
    p99Ms: lat.latencyMs.p99,
    cpuSeconds,
    reqPerCpuSecond: cpuSeconds !== undefined && cpuSeconds > 0 ? load.requests / cpuSeconds : undefined,
    errors: load.errors + lat.errors,
  };
}

async function bench(options: BenchOptions): Promise<void> {
  const needed: (keyof Tools)[] = ['nginx', 'wrk'];
  if (options.only.includes('haproxy') || options.only.includes('haproxy-tcp')) needed.push('haproxy');
  if (options.only.some(isH2)) needed.push('h2load');
  const tools = ensureTools(needed);

  const loadAtStart = loadavg();
  if (loadAtStart[0]! > 0.5 * cpus().length) {
    log(`warning: load average ${loadAtStart[0]!.toFixed(2)} on ${cpus().length} cores before start; figures will be noisy`);
  }
  const workDir = mkdtempSync(join(tmpdir(), 'fulcrum-bench-'));
  removeOnExit(workDir);
  try {
    const proxies = options.only.filter((t) => t !== 'direct');
    const ports = await freePorts(3 + proxies.length);
    const backendPorts = ports.slice(0, 3);
    log(`backends: nginx on ${backendPorts.join(', ')}`);
    await startBackends(tools.nginx!, join(workDir, 'backends'), backendPorts);
    const cert = options.only.some(isTls) ? makeCertificate(workDir) : undefined;

    const results = new Map<TargetName, TargetResult>();
    const targets: Target[] = [];
    const procs = new Map<TargetName, Managed>();
    let nextPort = 3;
    for (const name of options.only) {
      const port = name === 'direct' ? backendPorts[0]! : ports[nextPort++]!;
      results.set(name, { name, samples: [], median: { errors: 0 } });
      try {
        const started = await startTarget(name, options.baseline, tools, workDir, port, backendPorts, cert);
        if (started.proc) procs.set(name, started.proc);
        targets.push(started.target);
        log(`${name}: ready on ${started.target.port}${started.proc ? ` (pid ${started.proc.pid})` : ''}`);
      } catch (err) {
        results.get(name)!.error = (err as Error).message;
        log(`${name}: could not start: ${(err as Error).message}`);
      }
    }

    for (const target of targets) {
      log(`${target.name}: warm-up ${WARMUP_SEC} s`);
      if (isH2(target.name)) await runH2load(tools.h2load!, target.port, { ...THROUGHPUT, streams: H2_STREAMS, durationSec: WARMUP_SEC });
      else await runWrk(tools.wrk!, target.port, { ...THROUGHPUT, durationSec: WARMUP_SEC, ...wrkLoad(target.name) });
    }

    for (let round = 1; round <= options.rounds; round++) {
      // Interleaved, and the starting target rotates, so that no target always runs first or last.
      const live = targets.filter((t) => !results.get(t.name)!.error);
      const shift = (round - 1) % Math.max(1, live.length);
      const order = [...live.slice(shift), ...live.slice(0, shift)];
      for (const target of order) {
        const result = results.get(target.name)!;
        const proc = procs.get(target.name);
        try {
          if (proc?.exited) throw new Error(describeExit(proc));
          const sample = await measure(tools, target, round, options.durationSec);
          result.samples.push(sample);
          log(
            `round ${round}/${options.rounds} ${target.name}: ${Math.round(sample.reqPerSec)} req/s, ` +
              `p50 ${sample.p50Ms?.toFixed(3)} ms, p99 ${sample.p99Ms?.toFixed(3)} ms` +
              (sample.cpuSeconds !== undefined ? `, ${sample.cpuSeconds.toFixed(2)} CPU-s` : '') +
              (sample.errors ? `, ${sample.errors} errors` : ''),
          );
        } catch (err) {
          // Let an exit in flight be recorded, then prefer the process's own story to wrk's.
          await new Promise((r) => setTimeout(r, 200));
          result.error = proc?.exited ? describeExit(proc) : (err as Error).message;
          log(`${target.name}: failed in round ${round}: ${result.error}`);
        }
      }
    }

    const targetResults = options.only.map((name) => {
      const r = results.get(name)!;
      r.median = summarize(r.samples);
      return r;
    });
    const report: BenchReport = {
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, model: cpus()[0]?.model.trim() ?? 'unknown', loadavgAtStart: loadAtStart, loadavgAtEnd: loadavg() },
      versions: toolVersions(tools),
      settings: {
        rounds: options.rounds,
        durationSec: options.durationSec,
        bodyBytes: BODY_BYTES,
        connections: { throughput: THROUGHPUT.connections, latency: LATENCY.connections },
      },
      targets: targetResults,
      ratios: computeRatios(targetResults),
    };
    writeJson(RESULTS_FILE, report);

    console.log('');
    console.log(consoleTable(report));
    console.log('');
    console.log(ratioLines(report));
    console.log('');
    console.log('Markdown (for the README):');
    console.log('');
    console.log(markdown(report));
    console.log('');
    log(`results written to ${RESULTS_FILE}`);
  } finally {
    await stopAll();
    removeTempDirs();
  }
}

installCleanupHandlers();
const started = Date.now();
try {
  await bench(parseOptions(process.argv.slice(2)));
  log(`done in ${Math.round((Date.now() - started) / 1000)} s`);
} catch (err) {
  console.error(`bench: ${(err as Error).message}`);
  await stopAll();
  process.exitCode = 1;
}
