// The store a `state` section asks for: the in-memory default, or Redis behind the shared store's
// timeout and fallback.
import type { StateConfig } from '../config/types.js';
import type { Logger } from '../observe/logger.js';
import { MemoryStore } from './memory-store.js';
import { RedisStore } from './redis-store.js';
import { SharedStore } from './shared-store.js';
import type { StatusStore } from './store-switch.js';

/** The URL without its password, for log lines. */
export function redactedUrl(url: string): string {
  const parsed = URL.parse(url);
  if (parsed === null || parsed.password === '') return url;
  parsed.password = '***';
  return parsed.toString();
}

export function createStateStore(config: StateConfig | undefined, logger: Logger): StatusStore {
  if (config === undefined || config.store === 'memory') return new MemoryStore();
  const { url, keyPrefix, timeout, onError } = config;
  return new SharedStore((events) => new RedisStore({ url, keyPrefix, connectTimeoutMs: Math.max(1000, timeout) }, events), {
    timeoutMs: timeout,
    onError,
    logger,
    where: redactedUrl(url),
  });
}
