// Runtime changes to a service's backends: recorded in the overlay (so reloads keep them), then
// applied to the running service. Usable by embedders as well as by the admin API.
import { formatHostPort, parseHostPort } from '../config/net.js';
import { NAME_PATTERN } from '../config/values.js';
import type { BackendConfig } from '../config/types.js';
import type { Fulcrum } from '../fulcrum.js';
import type { Backend } from '../pool/backend.js';
import type { Service } from '../pool/service.js';
import { AdminError } from './json.js';

export interface NewBackend {
  address: string;
  /** unique in the service; the letters, digits, "-", "_" and "." of config names */
  name?: string;
  weight?: number;
  maxConnections?: number;
}

export interface BackendUpdate {
  weight?: number;
  drain?: boolean;
}

export function findService(fulcrum: Fulcrum, name: string): Service {
  const service = fulcrum.services.get(name);
  if (service === undefined) {
    const known = [...fulcrum.services.keys()];
    throw new AdminError(404, `no service named '${name}'; services: ${known.length > 0 ? known.join(', ') : 'none'}`);
  }
  return service;
}

/** `address` as written in a URL or a body, in the canonical form backends are known by. */
export function canonicalAddress(address: string): string {
  const parsed = parseHostPort(address);
  if (!parsed.ok) throw new AdminError(400, `address: ${parsed.message}`);
  return formatHostPort(parsed.value);
}

/** `ref` is a backend's name or its address (a name never holds ':', an address always does). */
export function findBackend(service: Service, ref: string): Backend {
  const named = service.backends.find((b) => b.name === ref);
  if (named !== undefined) return named;
  const known = service.backends.map((b) => (b.name === undefined ? b.id : `${b.name} (${b.id})`)).join(', ') || 'none';
  if (NAME_PATTERN.test(ref)) throw new AdminError(404, `service '${service.name}' has no backend named '${ref}'; backends: ${known}`);
  const id = canonicalAddress(ref);
  const backend = service.backends.find((b) => b.id === id);
  if (backend === undefined) throw new AdminError(404, `service '${service.name}' has no backend ${id}; backends: ${known}`);
  return backend;
}

export function addBackend(fulcrum: Fulcrum, serviceName: string, spec: NewBackend): Backend {
  const service = findService(fulcrum, serviceName);
  if (typeof spec.address !== 'string') throw new AdminError(400, `address: expected a string "host:port", got ${JSON.stringify(spec.address)}`);
  const parsed = parseHostPort(spec.address);
  if (!parsed.ok) throw new AdminError(400, `address: ${parsed.message}`);
  if (parsed.value.port === 0) throw new AdminError(400, 'address: expected a port 1..65535, got 0');
  const id = formatHostPort(parsed.value);
  if (service.backends.some((b) => b.id === id)) throw new AdminError(409, `service '${serviceName}' already has backend ${id}`);
  const name = backendName(spec.name);
  if (name !== undefined && service.backends.some((b) => b.name === name)) throw new AdminError(409, `service '${serviceName}' already has a backend named '${name}'`);
  const config: BackendConfig = {
    ...(name !== undefined && { name }),
    address: parsed.value,
    weight: spec.weight === undefined ? 1 : wholeNumber('weight', spec.weight),
    maxConnections: spec.maxConnections === undefined ? 0 : wholeNumber('maxConnections', spec.maxConnections),
  };
  const inFile = fulcrum.fileConfig.services.get(serviceName)?.backends.find((b) => formatHostPort(b.address) === id);
  fulcrum.overlay.addBackend(serviceName, config, inFile?.weight);
  fulcrum.applyRuntimeChanges();
  return findBackend(service, id);
}

/** A backend found by discovery follows DNS: the API does not change it (the records do). */
function refuseDiscovered(backend: Backend, what: string): void {
  if (backend.source !== undefined) throw new AdminError(409, `backend ${backend.id} comes from ${backend.source}: ${what} it by changing its DNS records`);
}

export function updateBackend(fulcrum: Fulcrum, serviceName: string, address: string, update: BackendUpdate): Backend {
  const service = findService(fulcrum, serviceName);
  const backend = findBackend(service, address);
  refuseDiscovered(backend, 'change');
  if (update.weight === undefined && update.drain === undefined) throw new AdminError(400, `expected 'weight' (a whole number ≥ 0) or 'drain' (true or false)`);
  if (update.drain !== undefined && typeof update.drain !== 'boolean') throw new AdminError(400, `drain: expected true or false, got ${JSON.stringify(update.drain)}`);
  const weight = update.weight === undefined ? undefined : wholeNumber('weight', update.weight);
  if (weight !== undefined) {
    const inFile = fulcrum.fileConfig.services.get(serviceName)?.backends.find((b) => formatHostPort(b.address) === backend.id);
    fulcrum.overlay.setWeight(serviceName, backend.id, weight, inFile?.weight);
  }
  if (update.drain !== undefined) fulcrum.overlay.setDrain(serviceName, backend.id, update.drain);
  fulcrum.applyRuntimeChanges();
  return backend;
}

/** Removes the backend from the service; it drains (in-flight requests finish) before its connections close. */
export function removeBackend(fulcrum: Fulcrum, serviceName: string, address: string): Backend {
  const service = findService(fulcrum, serviceName);
  const backend = findBackend(service, address);
  refuseDiscovered(backend, 'remove');
  // a service with discovery may be left to it
  if (service.backends.length === 1 && service.config.discovery === undefined)
    throw new AdminError(409, `backend ${backend.id} is the last one of service '${serviceName}'; a service needs at least one backend (drain it instead)`);
  fulcrum.overlay.removeBackend(serviceName, backend.id);
  fulcrum.applyRuntimeChanges();
  return backend;
}

function backendName(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !NAME_PATTERN.test(value)) {
    throw new AdminError(400, `name: expected a name of letters, digits, "-", "_" or "." (starting with a letter or digit), got ${JSON.stringify(value)}`);
  }
  return value;
}

function wholeNumber(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw new AdminError(400, `${field}: expected a whole number ≥ 0, got ${JSON.stringify(value)}`);
  return value;
}
