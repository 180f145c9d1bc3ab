import { loadConfigFile, formatConfigError } from '../config/index.js';
import { LOG_LEVELS, isLogLevel } from '../config/enums.js';
import { Fulcrum } from '../fulcrum.js';
import { createLogger } from '../observe/logger.js';
import { AdminServer } from '../admin/server.js';
import { reloadAndLog, reloadOnChange, reloadOnSignal } from './reload-triggers.js';

/** `fulcrum start -c FILE`: validate, then run until SIGINT/SIGTERM; SIGHUP (and, with --watch, a change to FILE) reloads. */
export async function startCommand(configPath: string, options: { logLevel?: string; watch?: boolean }): Promise<void> {
  if (options.logLevel !== undefined && !isLogLevel(options.logLevel)) {
    throw new Error(`--log-level: expected one of ${LOG_LEVELS.join(', ')}, got "${options.logLevel}"`);
  }
  const result = await loadConfigFile(configPath);
  if (!result.ok) {
    for (const error of result.errors) console.error(formatConfigError(error));
    throw new Error(`${configPath}: ${result.errors.length} error(s), not started`);
  }
  const logger = createLogger(options.logLevel ?? result.config.log.level, result.config.log.format);
  const fulcrum = await Fulcrum.start(result.config, { logger });
  const admin = new AdminServer(fulcrum, { reload: () => reload('admin') });
  const reload = (trigger: string) =>
    reloadAndLog(fulcrum, configPath, trigger, async () => {
      const bound = await admin.rebind(fulcrum.config.admin.address);
      logger.info({ address: `${bound.address}:${bound.port}` }, 'admin API moved');
    });
  try {
    const bound = await admin.listen();
    logger.info({ address: `${bound.address}:${bound.port}` }, 'admin API listening');
  } catch (error) {
    // the data path runs on; SIGHUP still reloads
    logger.error({ err: error }, `admin API not started: ${(error as Error).message}`);
  }
  reloadOnSignal(() => reload('SIGHUP'));
  if (options.watch || result.config.reload.watch) reloadOnChange(configPath, () => reload('file change'));
  stopOnSignals(fulcrum, () => admin.close());
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
