#!/usr/bin/env node
// The `fulcrum` command: start, check, demo, reload, stop.
// first, before any other module loads: SIGUSR1 must never start the inspector
import './sigusr1.js';
import { Command, InvalidArgumentError } from 'commander';
import { parseDuration } from '../config/units.js';
import { reloadCommand, stopCommand } from './control.js';
import { startCommand } from './start.js';
import { parseWorkers } from '../workers/count.js';
import { packageVersion } from './version.js';
import { demoCommand } from './demo.js';
import { checkCommand } from './check.js';
import { simulateCommand } from './simulate.js';

const DEFAULT_CONFIG = 'fulcrum.yaml';

function duration(value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined) throw new InvalidArgumentError('expected a duration such as 30s, 500ms or 1m');
  return ms;
}

function whole(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a whole number');
  return Number(value);
}

function port(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) throw new InvalidArgumentError('expected a port number 0..65535');
  return n;
}

/** Runs a command; an error becomes one clean line on stderr and exit code 1, never a stack trace. */
// biome-ignore lint/suspicious/noConfusingVoidType: an action resolves to an exit code or to nothing (a `() => Promise<void>`)
function run(action: () => Promise<number | void>): Promise<void> {
  return action().then(
    (code) => {
      if (typeof code === 'number') process.exitCode = code;
    },
    (error: unknown) => {
      console.error(`fulcrum: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 1;
    },
  );
}

const program = new Command()
  .name('fulcrum')
  .description('An L4/L7 load balancer and reverse proxy you can read, program and watch')
  .showHelpAfterError()
  .version(packageVersion(), '-V, --version');

program
  .command('start')
  .description('run the load balancer')
  .option('-c, --config <file>', 'configuration file (YAML or JSON)', DEFAULT_CONFIG)
  .option('--log-level <level>', 'override log.level (trace, debug, info, warn, error, fatal, silent)')
  .option('--watch', 'reload when the configuration file changes (also: reload.watch in the file); SIGHUP always reloads')
  .option('--drain-timeout <duration>', 'on SIGTERM/SIGINT, how long requests, tunnels and tcp sessions in flight may take (default: the longest service drainTimeout)', duration)
  .option(
    '--accept-grace <duration>',
    'on SIGTERM/SIGINT, keep accepting this long with /readyz at 503 before the drain, so keepalived or a balancer in front moves traffic first (default: 0)',
    duration,
  )
  .option('--pid-file <path>', 'write the pid here once serving (removed at exit), for `fulcrum reload/stop -p`')
  .option('--workers <n>', 'worker threads serving the listeners: auto (the cores available) or a number; overrides workers in the file (default: auto)', parseWorkers)
  .action((options: { config: string; logLevel?: string; watch?: boolean; drainTimeout?: number; acceptGrace?: number; pidFile?: string; workers?: 'auto' | number }) =>
    run(() =>
      startCommand(options.config, {
        logLevel: options.logLevel,
        watch: options.watch,
        drainTimeout: options.drainTimeout,
        acceptGrace: options.acceptGrace,
        pidFile: options.pidFile,
        workers: options.workers,
      }),
    ),
  );

program
  .command('reload')
  .description('reload a running fulcrum: SIGHUP to the pid in --pid-file, or POST /api/v1/reload to --admin (which prints the outcome)')
  .option('-p, --pid-file <path>', 'the pid file `fulcrum start --pid-file` wrote')
  .option('--admin <url>', 'the admin API, e.g. http://127.0.0.1:9090')
  .option('--token <token>', 'admin.token (default: $FULCRUM_ADMIN_TOKEN)')
  .action((options: { pidFile?: string; admin?: string; token?: string }) => run(() => reloadCommand({ ...options, token: options.token ?? process.env.FULCRUM_ADMIN_TOKEN })));

program
  .command('stop')
  .description('stop a running fulcrum gracefully: SIGTERM to the pid in --pid-file, then wait until it has exited')
  .option('-p, --pid-file <path>', 'the pid file `fulcrum start --pid-file` wrote')
  .option('--no-wait', 'return once the signal is sent')
  .option('--timeout <duration>', 'how long to wait for the exit', duration)
  .action((options: { pidFile?: string; wait: boolean; timeout?: number }) => run(() => stopCommand({ pidFile: options.pidFile, wait: options.wait, timeoutMs: options.timeout })));

program
  .command('check')
  .description('validate a configuration file and exit 0 (valid) or 1 (errors printed), like nginx -t')
  .option('-c, --config <file>', 'configuration file (YAML or JSON)', DEFAULT_CONFIG)
  .option('--print', 'also print the effective configuration (every default filled in) as YAML on stdout')
  .action((options: { config: string; print?: boolean }) => run(() => checkCommand(options.config, undefined, { print: options.print })));

program
  .command('demo')
  .description('start demo backends, a balancer in front of them and the dashboard; no file needed')
  .option('--port <port>', 'port of the demo listener', port)
  .option('--no-traffic', 'do not generate demo traffic')
  .action((options: { port?: number; traffic: boolean }) => run(() => demoCommand({ port: options.port, traffic: options.traffic })));

program
  .command('simulate [scenario]')
  .description(
    'run a built-in scenario (variable-cost, mixed-fleet, herd, slow-server, join-no-slow-start, join-slow-start, hash-remap, server-dies) or a scenario file through the real balancing code, on a simulated clock',
  )
  .option('-c, --config <file>', 'a scenario file (YAML or JSON) instead of a built-in scenario')
  .option('--seed <n>', "random seed (default: the scenario's); the same seed gives the same output", whole)
  .option('--requests <n>', "requests per algorithm (default: the scenario's)", whole)
  .option('--json', 'print one JSON object: scenario, claim, supported, rule, results')
  .option('--out <dir>', 'also write the charts (SVG), NAME.json and NAME.txt there')
  .action((scenario: string | undefined, options: { config?: string; seed?: number; requests?: number; json?: boolean; out?: string }) => run(() => simulateCommand(scenario, options)));

await program.parseAsync(process.argv);
