// Checks of the TLS settings that zod can't make alone: certificate, key and CA files exist and
// parse, and a key belongs to its certificate (reported at the key that names the file).
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ConfigIssue, PathSegment } from './issues.js';

type Raw = Record<string, unknown>;
type Report = (path: PathSegment[], message: string) => void;

const isRecord = (value: unknown): value is Raw => typeof value === 'object' && value !== null && !Array.isArray(value);
const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

export function checkPemFiles(raw: unknown, baseDir: string): ConfigIssue[] {
  if (!isRecord(raw)) return [];
  const issues: ConfigIssue[] = [];
  const report: Report = (path, message) => issues.push({ path, message });
  const files = new PemFiles(baseDir, report);

  asArray(raw.listeners).forEach((listener, i) => {
    if (!isRecord(listener)) return;
    const at = (...rest: PathSegment[]) => ['listeners', i, ...rest];
    const tls = listener.tls;
    if (listener.protocol === 'https' && isRecord(tls)) {
      asArray(tls.certificates).forEach((pair, j) => {
        if (isRecord(pair)) files.pair(pair, at('tls', 'certificates', j));
      });
      if (isRecord(tls.clientAuth)) files.certificate(tls.clientAuth.ca, at('tls', 'clientAuth', 'ca'));
    }
  });

  for (const [name, service] of Object.entries(isRecord(raw.services) ? raw.services : {})) {
    if (!isRecord(service) || !isRecord(service.tls)) continue;
    const tls = service.tls;
    const at = (...rest: PathSegment[]) => ['services', name, 'tls', ...rest];
    files.certificate(tls.ca, at('ca'));
    if ((tls.cert === undefined) !== (tls.key === undefined)) {
      report(at(tls.cert === undefined ? 'key' : 'cert'), "a client certificate needs both 'cert' and 'key'");
    } else if (tls.cert !== undefined) {
      files.pair(tls, at());
    }
  }
  return issues;
}

/** Reads PEM files named in the config and reports, at the naming key, why one can't be used. */
class PemFiles {
  constructor(
    private readonly baseDir: string,
    private readonly report: Report,
  ) {}

  certificate(path: unknown, at: PathSegment[]): X509Certificate | undefined {
    const text = this.read(path, at);
    if (text === undefined) return undefined;
    try {
      return new X509Certificate(text);
    } catch {
      this.report(at, `${String(path)}: not a PEM certificate`);
      return undefined;
    }
  }

  key(path: unknown, at: PathSegment[]): KeyObject | undefined {
    const text = this.read(path, at);
    if (text === undefined) return undefined;
    try {
      return createPrivateKey(text);
    } catch {
      this.report(at, `${String(path)}: not a PEM private key (or it is encrypted)`);
      return undefined;
    }
  }

  pair(pair: Raw, at: PathSegment[]): void {
    const cert = this.certificate(pair.cert, [...at, 'cert']);
    const key = this.key(pair.key, [...at, 'key']);
    if (cert !== undefined && key !== undefined && !cert.checkPrivateKey(key)) {
      this.report([...at, 'key'], `${String(pair.key)} is not the private key of ${String(pair.cert)}`);
    }
  }

  private read(path: unknown, at: PathSegment[]): string | undefined {
    if (typeof path !== 'string' || path === '') return undefined; // the schema reports it
    try {
      return readFileSync(resolve(this.baseDir, path), 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const reason = code === 'ENOENT' ? 'file not found' : code === 'EACCES' ? 'permission denied' : (error as Error).message;
      this.report(at, `${path}: ${reason}${code === 'ENOENT' ? ` (looked in ${this.baseDir})` : ''}`);
      return undefined;
    }
  }
}
