// Command-line flags of `npm run bench`: --rounds N, --duration S, --only a,b, --baseline DIR.
// base, base-tcp, base-h2: the Fulcrum built in another checkout (--baseline DIR), for before/after in one run
// *-tcp: the same HTTP load through L4 (tcp mode) proxies: each client connection is tied to one backend
// *-h2: HTTP/2 (h2c, prior knowledge) from h2load to the proxy, HTTP/1.1 to the backends
// *-https: TLS 1.3 termination, keep-alive; *-tls-new: the same listener, a new TLS connection per request
export const TARGET_NAMES = [
  'direct',
  'nginx',
  'haproxy',
  'fulcrum',
  'fulcrum-w2',
  'fulcrum-wauto',
  'base',
  'haproxy-tcp',
  'fulcrum-tcp',
  'base-tcp',
  'nginx-h2',
  'fulcrum-h2',
  'base-h2',
  'nginx-https',
  'fulcrum-https',
  'base-https',
  'nginx-tls-new',
  'fulcrum-tls-new',
  'base-tls-new',
] as const;
const BASELINE_TARGETS: readonly string[] = ['base', 'base-tcp', 'base-h2', 'base-https', 'base-tls-new'];
export type TargetName = (typeof TARGET_NAMES)[number];

export interface BenchOptions {
  rounds: number;
  durationSec: number;
  only: TargetName[];
  /** a checkout whose dist/ holds the Fulcrum to compare with (the base* targets); undefined = none */
  baseline: string | undefined;
}

const USAGE = `usage: npm run bench -- [--rounds N] [--duration S] [--only ${TARGET_NAMES.join(',')}] [--baseline DIR]`;

export function parseOptions(argv: string[]): BenchOptions {
  const options: BenchOptions = { rounds: 3, durationSec: 5, only: [], baseline: undefined };
  let only: string[] | null = null;
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
        const names = next()
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        for (const name of names) {
          if (!(TARGET_NAMES as readonly string[]).includes(name)) {
            throw new Error(`unknown target "${name}" (known: ${TARGET_NAMES.join(', ')})`);
          }
        }
        only = names;
        break;
      }
      case '--baseline':
        options.baseline = next();
        break;
      case '-h':
      // biome-ignore lint/suspicious/noFallthroughSwitchClause: process.exit() does not return
      case '--help':
        console.log(USAGE);
        process.exit(0);
      default:
        throw new Error(`unknown flag "${flag}"\n${USAGE}`);
    }
  }
  // the base* targets run only against a baseline checkout, and by default whenever one is given
  options.only = TARGET_NAMES.filter((t) => (only === null ? options.baseline !== undefined || !BASELINE_TARGETS.includes(t) : only.includes(t)));
  if (options.baseline === undefined && options.only.some((t) => BASELINE_TARGETS.includes(t))) {
    throw new Error(`the base targets need --baseline DIR (a checkout with a built dist/)\n${USAGE}`);
  }
  return options;
}

function positiveInt(flag: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} must be a positive integer, got "${raw}"`);
  return n;
}
