// Runs wrk and parses its report.
import { spawn } from 'node:child_process';
import { HOST } from './net.js';
import { trackTransient } from './processes.js';

export interface WrkResult {
  requests: number;
  seconds: number;
  requestsPerSec: number;
  /** Latency percentiles in milliseconds (present with --latency). */
  latencyMs: Partial<Record<'p50' | 'p75' | 'p90' | 'p99', number>>;
  /** Socket errors plus non-2xx/3xx responses; a healthy run has 0. */
  errors: number;
  raw: string;
}

export interface WrkRun {
  threads: number;
  connections: number;
  durationSec: number;
  latency?: boolean;
  /** https: wrk speaks TLS to the target (the bench's self-signed certificate is not checked) */
  tls?: boolean;
  /** extra request header lines, e.g. 'Connection: close' */
  headers?: string[];
}

export function runWrk(wrkBin: string, port: number, run: WrkRun): Promise<WrkResult> {
  const args = [`-t${run.threads}`, `-c${run.connections}`, `-d${run.durationSec}s`, '--timeout', '5s'];
  if (run.latency) args.push('--latency');
  for (const header of run.headers ?? []) args.push('-H', header);
  args.push(`${run.tls ? 'https' : 'http'}://${HOST}:${port}/`);
  return new Promise((resolve, reject) => {
    const child = spawn(wrkBin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    trackTransient(child); // killed if the bench is stopped mid-run
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), (run.durationSec + 15) * 1000);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0) {
        reject(new Error(`wrk ${args.join(' ')} exited with ${code ?? signal}:\n${out}`));
        return;
      }
      try {
        resolve(parseWrk(out));
      } catch (err) {
        reject(err);
      }
    });
  });
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60000, h: 3600000 };

export function parseDurationMs(text: string): number {
  const match = /^([\d.]+)(us|ms|s|m|h)$/.exec(text.trim());
  if (!match) throw new Error(`cannot parse wrk duration "${text}"`);
  return Number(match[1]) * UNIT_MS[match[2]!]!;
}

export function parseWrk(out: string): WrkResult {
  const total = /(\d+) requests in ([\d.]+)(us|ms|s|m|h),/.exec(out);
  const rate = /Requests\/sec:\s+([\d.]+)/.exec(out);
  if (!total || !rate) throw new Error(`cannot parse wrk output:\n${out}`);
  const latencyMs: WrkResult['latencyMs'] = {};
  const dist = /Latency Distribution\s*\n([\s\S]*?)\n\s*\d+ requests in/.exec(out);
  if (dist) {
    for (const line of dist[1]!.split('\n')) {
      const m = /^\s*(50|75|90|99)(?:\.0+)?%\s+(\S+)/.exec(line);
      if (m) latencyMs[`p${m[1]}` as keyof WrkResult['latencyMs']] = parseDurationMs(m[2]!);
    }
  }
  let errors = 0;
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  if (socket) errors += socket.slice(1).reduce((sum, n) => sum + Number(n), 0);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  if (non2xx) errors += Number(non2xx[1]);
  return {
    requests: Number(total[1]),
    seconds: parseDurationMs(`${total[2]}${total[3]}`) / 1000,
    requestsPerSec: Number(rate[1]),
    latencyMs,
    errors,
    raw: out,
  };
}
