// Command-line flags of `npm run bench`: --rounds N, --duration S, --only a,b.
// *-tcp: the same HTTP load through L4 (tcp mode) proxies: each client connection is tied to one backend
// *-h2: HTTP/2 (h2c, prior knowledge) from h2load to the proxy, HTTP/1.1 to the backends
export const TARGET_NAMES = ['direct', 'nginx', 'haproxy', 'fulcrum', 'haproxy-tcp', 'fulcrum-tcp', 'nginx-h2', 'fulcrum-h2'] as const;
export type TargetName = (typeof TARGET_NAMES)[number];

export interface BenchOptions {
  rounds: number;
  durationSec: number;
  only: TargetName[];
}

const USAGE = `usage: npm run bench -- [--rounds N] [--duration S] [--only ${TARGET_NAMES.join(',')}]`;

export function parseOptions(argv: string[]): BenchOptions {
  const options: BenchOptions = { rounds: 3, durationSec: 5, only: [...TARGET_NAMES] };
  for (let i = 0; i < argv.length; i++) {
    let flag = argv[i]!;
    let value: string | undefined;
    const eq = flag.indexOf('=');
    if (eq > 0) {
      value = flag.slice(eq + 1);
      flag = flag.slice(0, eq);
    }
    const next = (): string => {
      if (value !== undefined) return value;
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value\n${USAGE}`);
      return v;
    };
    switch (flag) {
      case '--rounds':
        options.rounds = positiveInt(flag, next());
        break;
      case '--duration':
        options.durationSec = positiveInt(flag, next().replace(/s$/, ''));
        break;
      case '--only': {
        const names = next().split(',').map((s) => s.trim()).filter(Boolean);
        for (const name of names) {
          if (!(TARGET_NAMES as readonly string[]).includes(name)) {
            throw new Error(`unknown target "${name}" (known: ${TARGET_NAMES.join(', ')})`);
          }
        }
        options.only = TARGET_NAMES.filter((t) => names.includes(t));
        break;
      }
      case '-h':
      case '--help':
        console.log(USAGE);
        process.exit(0);
      default:
        throw new Error(`unknown flag "${flag}"\n${USAGE}`);
    }
  }
  return options;
}

function positiveInt(flag: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} must be a positive integer, got "${raw}"`);
  return n;
}
