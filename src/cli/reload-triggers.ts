// What makes `fulcrum start` reload: SIGHUP, and (with --watch or reload.watch) the file changing.
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Fulcrum, ReloadResult } from '../fulcrum.js';

/** Editors save by renaming a new file over the old one: watch the directory, and let a burst of events settle. */
const SETTLE_MS = 200;

/** Reloads from `path`, logging the outcome; an admin server is told when admin.address moved. */
export function reloadAndLog(fulcrum: Fulcrum, path: string, trigger: string, onAdminMoved?: () => Promise<void>): Promise<ReloadResult> {
  const adminBefore = JSON.stringify(fulcrum.config.admin.address);
  return fulcrum.reloadFile(path).then(async (result) => {
    if (!result.ok) {
      fulcrum.logger.error({ trigger, errors: result.errors }, 'reload refused; the running configuration keeps serving');
      return result;
    }
    const { durationMs, listeners, services, runtimeChanges } = result;
    fulcrum.logger.info({ trigger, durationMs, listeners, services, runtimeChanges }, 'reloaded');
    if (onAdminMoved !== undefined && JSON.stringify(fulcrum.config.admin.address) !== adminBefore) await onAdminMoved();
    return result;
  });
}

/** Until reloadOnSignal: a SIGHUP is remembered (its default would end the process), then acted on. */
let heldHup = false;
let hupHolder: (() => void) | null = null;

export function holdReloadSignal(): void {
  if (hupHolder !== null) return;
  hupHolder = () => {
    heldHup = true;
  };
  process.on('SIGHUP', hupHolder);
}

export function reloadOnSignal(reload: () => unknown): () => void {
  const onHup = (): void => void reload();
  process.on('SIGHUP', onHup);
  if (hupHolder !== null) {
    process.off('SIGHUP', hupHolder);
    hupHolder = null;
  }
  if (heldHup) {
    heldHup = false;
    onHup();
  }
  return () => process.off('SIGHUP', onHup);
}

export function reloadOnChange(path: string, reload: () => unknown): FSWatcher {
  const name = basename(path);
  let timer: NodeJS.Timeout | null = null;
  const watcher = watch(dirname(path), (_event, file) => {
    if (file !== null && file !== name) return;
    if (timer !== null) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      void reload();
    }, SETTLE_MS);
  });
  watcher.unref();
  return watcher;
}
