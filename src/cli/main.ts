#!/usr/bin/env node
// The `fulcrum` command: start, check, demo.
import { Command, InvalidArgumentError } from 'commander';
import { startCommand } from './start.js';
import { demoCommand } from './demo.js';
import { checkCommand } from './check.js';

const DEFAULT_CONFIG = 'fulcrum.yaml';

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

const program = new Command().name('fulcrum').description('An L4/L7 load balancer and reverse proxy you can read, program and watch').showHelpAfterError();

program
  .command('start')
  .description('run the load balancer')
  .option('-c, --config <file>', 'configuration file (YAML or JSON)', DEFAULT_CONFIG)
  .option('--log-level <level>', 'override log.level (trace, debug, info, warn, error, fatal, silent)')
  .option('--watch', 'reload when the configuration file changes (also: reload.watch in the file); SIGHUP always reloads')
  .action((options: { config: string; logLevel?: string; watch?: boolean }) => run(() => startCommand(options.config, { logLevel: options.logLevel, watch: options.watch })));

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

await program.parseAsync(process.argv);
