import { loadConfigFile, formatConfigError } from '../config/index.js';
import { LOG_LEVELS, isLogLevel } from '../config/enums.js';
import { Fulcrum } from '../fulcrum.js';
import { createLogger } from '../observe/logger.js';
import { AdminServer } from '../admin/server.js';
import { holdReloadSignal, reloadAndLog, reloadOnChange, reloadOnSignal } from './reload-triggers.js';
import { holdStopSignals, stopOnSignals } from './stop-signals.js';
import { onSigusr1 } from './sigusr1.js';
import { writePidFile } from './pid-file.js';
import { startWorkers } from '../workers/pool.js';
import { workerCount } from '../workers/count.js';

export interface StartOptions {
  logLevel?: string;
  watch?: boolean;
  /** how long a stop waits for connections in flight (default: the longest service drainTimeout) */
  drainTimeout?: number;
  /** on a stop signal, how long to keep accepting with /readyz at 503 before the drain (default 0) */
  acceptGrace?: number;
  pidFile?: string;
  /** overrides `workers` in the file; default: auto */
  workers?: 'auto' | number;
}

/**
 * `fulcrum start -c FILE`: validate, then run until SIGINT/SIGTERM (a graceful stop); SIGHUP (and,
 * with --watch, a change to FILE) reloads; SIGUSR1 and SIGHUP reopen the log files.
 */
export async function startCommand(configPath: string, options: StartOptions): Promise<void> {
  process.title = 'fulcrum'; // `pidof fulcrum`
  // a stop or reload signal while starting (the workers may already answer) waits for its handler below
  holdStopSignals();
  holdReloadSignal();
  if (options.logLevel !== undefined && !isLogLevel(options.logLevel)) {
    throw new Error(`--log-level: expected one of ${LOG_LEVELS.join(', ')}, got "${options.logLevel}"`);
  }
  const result = await loadConfigFile(configPath);
  if (!result.ok) {
    for (const error of result.errors) console.error(formatConfigError(error));
    throw new Error(`${configPath}: ${result.errors.length} error(s), not started`);
  }
  const logger = createLogger(options.logLevel ?? result.config.log.level, result.config.log.format);
  // default: auto (the cores available), or 1 with no listeners (a dedicated GSLB node: nothing for
  // workers to serve, the main thread answers PowerDNS); docs/scaling.md
  const workers = workerCount(options.workers ?? result.config.workers ?? (result.config.listeners.length === 0 ? 1 : 'auto'));
  const fulcrum = workers === 1 ? await Fulcrum.start(result.config, { logger }) : await startWorkers(result.config, { workers, logger, logLevel: options.logLevel });
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
  const reopenLogs = async (signal: string): Promise<void> => {
    // with workers: the lines of requests already answered go to the old file first
    await fulcrum.flushAccessLog?.();
    fulcrum.reopenLogs();
    logger.info({ signal }, 'log files reopened');
  };
  onSigusr1(() => void reopenLogs('SIGUSR1'));
  reloadOnSignal(() => {
    void reopenLogs('SIGHUP');
    return reload('SIGHUP');
  });
  if (options.watch || result.config.reload.watch) reloadOnChange(configPath, () => reload('file change'));
  stopOnSignals(fulcrum, () => admin.close(), options.drainTimeout, options.acceptGrace);
  // last: once it exists, SIGTERM stops gracefully (and so removes it)
  if (options.pidFile !== undefined) {
    try {
      writePidFile(options.pidFile);
    } catch (error) {
      await Promise.all([fulcrum.close(), admin.close()]);
      throw error;
    }
  }
}
