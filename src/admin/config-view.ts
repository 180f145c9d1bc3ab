// GET /api/v1/config: what is running, as a user would write it (config/print.ts): the file's config
// with the runtime changes on top, every default filled in, the admin token redacted.
import { printableConfig } from '../config/print.js';
import type { Fulcrum } from '../fulcrum.js';

export function configView(fulcrum: Fulcrum): { source: string; config: ReturnType<typeof printableConfig> } {
  return { source: fulcrum.config.source, config: printableConfig(fulcrum.config) };
}
