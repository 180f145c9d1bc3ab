// Samples a process's resident set size (VmRSS in /proc/PID/status) on an interval.
import { readFileSync } from 'node:fs';

/** VmRSS of `pid` in bytes, or NaN if the process is gone. */
export function rssOf(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

export class RssSampler {
  readonly samples: number[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(
    readonly pid: number,
    intervalMs = 50,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  get max(): number {
    return Math.max(...this.samples);
  }

  stop(): number {
    clearInterval(this.timer);
    this.sample();
    return this.max;
  }

  private sample(): void {
    const rss = rssOf(this.pid);
    if (!Number.isNaN(rss)) this.samples.push(rss);
  }
}

export const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
