// `fulcrum check -c FILE`: validate a configuration and exit 0/1, like `nginx -t`.
// `--print` also writes the effective configuration (every default filled in) as YAML on stdout.
import { stringify } from 'yaml';
import { loadConfigFile } from '../config/load.js';
import { formatConfigError } from '../config/errors.js';
import { printableConfig } from '../config/print.js';
import { checkWarnings } from './check-warnings.js';

export interface CheckOutput {
  out: (line: string) => void;
  err: (line: string) => void;
}

export interface CheckOptions {
  /** write the effective config on `out` (the verdict then goes to `err`, so stdout is the YAML alone) */
  print?: boolean;
}

const consoleOutput: CheckOutput = { out: (line) => console.log(line), err: (line) => console.error(line) };

/** Prints the verdict (and any warnings) and returns the exit code: 0 when the file is valid, 1 otherwise. */
export async function checkCommand(path: string, output: CheckOutput = consoleOutput, options: CheckOptions = {}): Promise<number> {
  const result = await loadConfigFile(path);
  if (!result.ok) {
    for (const error of result.errors) output.err(formatConfigError(error));
    const count = result.errors.length;
    output.err(`${path}: ${count} error${count === 1 ? '' : 's'}`);
    return 1;
  }
  const { listeners, services } = result.config;
  // warnings do not fail the check: the file is valid, it may just not do what it seems to
  for (const warning of await checkWarnings(result.config, path)) output.err(warning);
  const gslb = result.config.gslb === undefined ? '' : `, gslb zone ${result.config.gslb.zone}`;
  const verdict = `${path}: ok (${plural(listeners.length, 'listener')}, ${plural(services.size, 'service')}${gslb})`;
  if (options.print === true) {
    output.out(`# the effective configuration of ${path}: every default filled in, the admin token redacted`);
    output.out(stringify(printableConfig(result.config), { lineWidth: 0 }).trimEnd());
    output.err(verdict);
  } else output.out(verdict);
  return 0;
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
