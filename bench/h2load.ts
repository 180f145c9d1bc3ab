// Runs h2load (nghttp2-client) for the HTTP/2 rows and turns its report into a WrkResult.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http2 from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HOST } from './net.js';
import { trackTransient } from './processes.js';
import type { WrkResult } from './wrk.js';

export interface H2loadRun {
  threads: number;
  /** client connections */
  connections: number;
  /** concurrent streams per connection */
  streams: number;
  durationSec: number;
  /** per-request durations from --log-file, for p50/p99 */
  latency?: boolean;
}

export function runH2load(bin: string, port: number, run: H2loadRun): Promise<WrkResult> {
  const logDir = run.latency ? mkdtempSync(join(tmpdir(), 'fulcrum-h2load-')) : undefined;
  const logFile = logDir === undefined ? undefined : join(logDir, 'requests.log');
  const args = [`-t${run.threads}`, `-c${run.connections}`, `-m${run.streams}`, `-D${run.durationSec}`, '-T5'];
  if (logFile !== undefined) args.push(`--log-file=${logFile}`);
  args.push(`http://${HOST}:${port}/`);
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    trackTransient(child);
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), (run.durationSec + 15) * 1000);
    const done = (): void => {
      clearTimeout(timer);
      if (logDir !== undefined) rmSync(logDir, { recursive: true, force: true });
    };
    child.once('error', (err) => {
      done();
      reject(err);
    });
    child.once('exit', (code, signal) => {
      try {
        if (code !== 0) throw new Error(`h2load ${args.join(' ')} exited with ${code ?? signal}:\n${out}`);
        const result = parseH2load(out, run.durationSec);
        if (logFile !== undefined) result.latencyMs = percentiles(readFileSync(logFile, 'utf8'));
        resolve(result);
      } catch (err) {
        reject(err);
      } finally {
        done();
      }
    });
  });
}

export function parseH2load(out: string, durationSec: number): WrkResult {
  const requests = /requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout/.exec(out);
  const finished = /finished in ([\d.]+)s, ([\d.]+) req\/s/.exec(out);
  const codes = /status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx/.exec(out);
  if (!requests || !finished || !codes) throw new Error(`unexpected h2load output:\n${out}`);
  const succeeded = Number(requests[4]);
  const nonOk = Number(codes[3]) + Number(codes[4]);
  return {
    requests: succeeded,
    seconds: Number(finished[1]) || durationSec,
    requestsPerSec: Number(finished[2]),
    latencyMs: {},
    errors: Number(requests[5]) + Number(requests[6]) + Number(requests[7]) + nonOk,
    raw: out,
  };
}

/** p50/p90/p99 in ms from h2load's --log-file lines: start time, status, duration (µs). */
function percentiles(log: string): WrkResult['latencyMs'] {
  const durations = log
    .split('\n')
    .map((line) => Number(line.split('\t')[2]))
    .filter((d) => Number.isFinite(d) && d > 0)
    .sort((a, b) => a - b);
  if (durations.length === 0) return {};
  const at = (q: number): number => durations[Math.min(durations.length - 1, Math.floor(q * durations.length))]! / 1000;
  return { p50: at(0.5), p75: at(0.75), p90: at(0.9), p99: at(0.99) };
}

/** One h2c (prior knowledge) `GET /`; resolves with the status. */
export function h2Probe(port: number, timeoutMs = 1000): Promise<number> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://${HOST}:${port}`);
    const timer = setTimeout(() => session.destroy(new Error('timeout')), timeoutMs);
    session.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    const stream = session.request({ ':path': '/' });
    stream.once('response', (headers) => {
      clearTimeout(timer);
      session.destroy();
      resolve(Number(headers[':status']));
    });
    stream.once('error', (err) => {
      clearTimeout(timer);
      session.destroy();
      reject(err);
    });
  });
}
