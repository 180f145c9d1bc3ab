import { loadConfigFile, formatConfigError } from '../config/index.js';
import { Fulcrum } from '../fulcrum.js';
import { createLogger } from '../observe/logger.js';

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

/** `fulcrum start -c FILE`: validate, then run until SIGINT/SIGTERM. */
export async function startCommand(configPath: string, options: { logLevel?: string }): Promise<void> {
  if (options.logLevel !== undefined && !LOG_LEVELS.includes(options.logLevel)) {
    throw new Error(`--log-level: expected one of ${LOG_LEVELS.join(', ')}, got "${options.logLevel}"`);
  }
  const result = await loadConfigFile(configPath);
  if (!result.ok) {
    for (const error of result.errors) console.error(formatConfigError(error));
    throw new Error(`${configPath}: ${result.errors.length} error(s), not started`);
  }
  const logger = createLogger(options.logLevel ?? result.config.log.level);
  const fulcrum = await Fulcrum.start(result.config, { logger });
  stopOnSignals(fulcrum);
}

export function stopOnSignals(fulcrum: Fulcrum, onStop?: () => Promise<void>): void {
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) process.exit(1); // a second signal: stop now
    stopping = true;
    fulcrum.logger.info({ signal }, 'stopping');
    void Promise.all([fulcrum.close(), onStop?.()]).finally(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
