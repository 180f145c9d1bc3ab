// What changed between the running config and a new one, as a reload needs to know it.
import { formatHostPort } from './net.js';
import type { FulcrumConfig, ListenerConfig } from './types.js';

export interface ListenerPlan {
  /** same protocol and address: the socket is kept, its routes and limits are swapped */
  kept: Array<{ from: ListenerConfig; to: ListenerConfig; changed: boolean }>;
  /** bound beside the old ones, before the swap */
  added: ListenerConfig[];
  /** stop accepting, finish in-flight requests, close */
  removed: ListenerConfig[];
}

export interface ConfigDiff {
  listeners: ListenerPlan;
  services: { added: string[]; removed: string[]; changed: string[]; unchanged: string[] };
  adminChanged: boolean;
}

/**
 * A listener is the same one when its protocol and address are (a moved listener is a new
 * one plus a removed one). Port 0 means "any port": such a listener is the same when its name is.
 */
function identity(listener: ListenerConfig): string {
  const address = formatHostPort(listener.address);
  return listener.address.port === 0 ? `${listener.protocol} ${address} ${listener.name}` : `${listener.protocol} ${address}`;
}

export function diffConfigs(from: FulcrumConfig, to: FulcrumConfig): ConfigDiff {
  const before = new Map(from.listeners.map((l) => [identity(l), l]));
  const plan: ListenerPlan = { kept: [], added: [], removed: [] };
  const matched = new Set<ListenerConfig>();
  for (const listener of to.listeners) {
    const previous = before.get(identity(listener));
    if (previous === undefined) plan.added.push(listener);
    else {
      matched.add(previous);
      plan.kept.push({ from: previous, to: listener, changed: !sameValue(previous, listener) });
    }
  }
  plan.removed = from.listeners.filter((l) => !matched.has(l));

  const services = { added: [] as string[], removed: [] as string[], changed: [] as string[], unchanged: [] as string[] };
  for (const [name, service] of to.services) {
    const previous = from.services.get(name);
    if (previous === undefined) services.added.push(name);
    else (sameValue(previous, service) ? services.unchanged : services.changed).push(name);
  }
  for (const name of from.services.keys()) if (!to.services.has(name)) services.removed.push(name);

  return { listeners: plan, services, adminChanged: !sameValue(from.admin, to.admin) };
}

/** Configs are plain data (maps aside, which never appear below a listener or a service). */
export function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a, sortKeys) === JSON.stringify(b, sortKeys);
}

function sortKeys(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  if (value instanceof Map) return Object.fromEntries([...value.entries()].sort(([a], [b]) => String(a).localeCompare(String(b))));
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)));
}
