// Runtime changes (backends added, re-weighted, drained or removed through the admin API) kept
// as an overlay on top of the config file, so that a reload re-applies them instead of losing
// them. A change is kept until the file itself changes the same thing: then the file wins and
// the change is reported as a conflict (and forgotten).
import { formatHostPort } from './net.js';
import type { BackendConfig, FulcrumConfig, ServiceConfig } from './types.js';

interface Change {
  service: string;
  /** canonical host:port */
  address: string;
  /** added at runtime, with these settings */
  added?: BackendConfig;
  removed?: boolean;
  /** re-weighted at runtime; `fileWeight` is what the file said then, to notice the file changing it */
  weight?: { value: number; fileWeight: number | undefined };
  drain?: boolean;
}

/** What happened to the runtime changes when a config was (re)applied. */
export interface OverlayReport {
  /** re-applied on top of the file */
  kept: string[];
  /** dropped: the file changed the same thing, or what they applied to is gone */
  conflicts: string[];
  /** dropped: the file now says the same thing */
  settled: string[];
}

export interface OverlayResult extends OverlayReport {
  config: FulcrumConfig;
  /** service → addresses drained through the admin API */
  drained: Map<string, Set<string>>;
}

export class RuntimeOverlay {
  private readonly changes = new Map<string, Change>();

  get size(): number {
    return this.changes.size;
  }

  /** The changes in effect, described for people (the admin API lists them). */
  describe(): string[] {
    return [...this.changes.values()].flatMap(describeChange);
  }

  /** `fileWeight`: the file's weight when the file has this backend (it was removed at runtime, now added back). */
  addBackend(service: string, backend: BackendConfig, fileWeight?: number): void {
    const address = formatHostPort(backend.address);
    const change = this.change(service, address);
    if (change.removed && fileWeight !== undefined) {
      // removed then added back: the file's backend, re-weighted
      delete change.removed;
      if (backend.weight !== fileWeight) change.weight = { value: backend.weight, fileWeight };
      this.forgetIfEmpty(change);
      return;
    }
    change.added = backend;
  }

  setWeight(service: string, address: string, weight: number, fileWeight: number | undefined): void {
    const change = this.change(service, address);
    if (change.added) change.added = { ...change.added, weight };
    else change.weight = { value: weight, fileWeight: change.weight?.fileWeight ?? fileWeight };
  }

  setDrain(service: string, address: string, drain: boolean): void {
    const change = this.change(service, address);
    if (drain) change.drain = true;
    else delete change.drain;
    this.forgetIfEmpty(change);
  }

  removeBackend(service: string, address: string): void {
    const change = this.change(service, address);
    if (change.added) {
      this.changes.delete(key(service, address));
      return;
    }
    delete change.weight;
    delete change.drain;
    change.removed = true;
  }

  /** The file's config with the runtime changes on top; changes that no longer apply are dropped and reported. */
  apply(file: FulcrumConfig): OverlayResult {
    const result: OverlayResult = { config: file, drained: new Map(), kept: [], conflicts: [], settled: [] };
    const services = new Map(file.services);
    const touched = new Map<string, ServiceConfig>();
    const editable = (name: string): ServiceConfig | undefined => {
      let service = touched.get(name);
      if (service === undefined) {
        const original = services.get(name);
        if (original === undefined) return undefined;
        service = { ...original, backends: [...original.backends] };
        touched.set(name, service);
        services.set(name, service);
      }
      return service;
    };
    for (const [k, change] of this.changes) {
      const what = describeChange(change).join(', ');
      const drop = (list: string[], why: string): void => {
        list.push(`${what}: ${why}`);
        this.changes.delete(k);
      };
      const service = editable(change.service);
      if (service === undefined) {
        drop(result.conflicts, `service '${change.service}' is no longer in the config`);
        continue;
      }
      const index = service.backends.findIndex((b) => formatHostPort(b.address) === change.address);
      const inFile = index === -1 ? undefined : service.backends[index]!;
      if (change.added !== undefined) {
        if (inFile !== undefined) {
          const same = inFile.weight === change.added.weight && inFile.maxConnections === change.added.maxConnections && !change.drain;
          drop(same ? result.settled : result.conflicts, same ? 'the file now has it' : 'the file now has this backend; its settings win');
          continue;
        }
        service.backends.push(change.added);
      } else if (change.removed) {
        if (inFile === undefined) {
          drop(result.settled, 'the file no longer has it either');
          continue;
        }
        service.backends.splice(index, 1);
      } else {
        if (inFile === undefined) {
          drop(result.conflicts, 'the backend is no longer in the config');
          continue;
        }
        if (change.weight !== undefined) {
          if (inFile.weight !== change.weight.fileWeight) {
            result.conflicts.push(
              `${change.service}: ${change.address} weight ${change.weight.value}: the file changed its weight (${change.weight.fileWeight} → ${inFile.weight}); the file wins`,
            );
            delete change.weight;
            if (!change.drain) {
              this.changes.delete(k);
              continue;
            }
          } else if (inFile.weight !== change.weight.value) {
            service.backends[index] = { ...inFile, weight: change.weight.value };
          }
        }
      }
      if (change.drain) {
        let drained = result.drained.get(change.service);
        if (drained === undefined) result.drained.set(change.service, (drained = new Set()));
        drained.add(change.address);
      }
      result.kept.push(describeChange(change).join(', '));
    }
    if (touched.size > 0) result.config = { ...file, services };
    return result;
  }

  private change(service: string, address: string): Change {
    const k = key(service, address);
    let change = this.changes.get(k);
    if (change === undefined) this.changes.set(k, (change = { service, address }));
    return change;
  }

  private forgetIfEmpty(change: Change): void {
    if (!change.added && !change.removed && !change.weight && !change.drain) this.changes.delete(key(change.service, change.address));
  }
}

function key(service: string, address: string): string {
  return `${service}\u0000${address}`;
}

function describeChange(change: Change): string[] {
  const at = `${change.service}: ${change.address}`;
  const parts: string[] = [];
  if (change.added) parts.push(`${at} added (weight ${change.added.weight})`);
  if (change.removed) parts.push(`${at} removed`);
  if (change.weight) parts.push(`${at} weight ${change.weight.value}`);
  if (change.drain) parts.push(`${at} drained`);
  return parts;
}
