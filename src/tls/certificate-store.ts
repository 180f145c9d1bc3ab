// The certificates of an https listener, chosen per handshake by SNI: an exact name, then a
// wildcard (`*.example.com` covers one label), then the default (the first certificate). Names
// come from each certificate's subjectAltName (or its CN without one). PEM files are watched:
// a change is picked up by the next handshakes, open connections keep theirs, and a file that
// does not parse leaves the previous certificate in place and is reported.
import { X509Certificate } from 'node:crypto';
import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import tls from 'node:tls';
import type { ListenerTlsConfig } from '../config/types.js';

/** TLS 1.3 suites, then TLS 1.2 ECDHE with AEAD only: no CBC, no RSA key exchange, no SHA-1. */
export const MODERN_CIPHERS = [
  'TLS_AES_128_GCM_SHA256',
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

const RELOAD_DEBOUNCE_MS = 50;

interface Entry {
  certPath: string;
  keyPath: string;
  names: string[];
  contextOptions: tls.SecureContextOptions;
  context: tls.SecureContext;
}

export interface StoreEvents {
  /** a certificate was (re)loaded from its files */
  loaded?(certPath: string, names: string[]): void;
  /** a reload failed; the previous certificate stays in use */
  error?(certPath: string, error: Error): void;
}

export class CertificateStore {
  private entries: Entry[];
  private exact = new Map<string, tls.SecureContext>();
  /** '.example.com' -> context, for '*.example.com' */
  private wildcard = new Map<string, tls.SecureContext>();
  private readonly watchers: FSWatcher[] = [];
  private reloadTimer: NodeJS.Timeout | null = null;
  private server: tls.Server | null = null;
  private readonly clientCa: Buffer | undefined;

  /** Throws when a file can't be read or parsed: at startup, that is a config error. */
  constructor(
    private readonly config: ListenerTlsConfig,
    private readonly events: StoreEvents = {},
  ) {
    this.clientCa = config.clientAuth ? readFileSync(config.clientAuth.ca) : undefined;
    this.entries = config.certificates.map(({ cert, key }) => this.load(cert, key));
    this.index();
  }

  /** Options for tls.createServer: the default certificate, SNI selection, versions, ciphers, client auth. */
  serverOptions(alpn: string[] = ['http/1.1']): tls.TlsOptions {
    const clientAuth = this.config.clientAuth;
    return {
      ...this.entries[0]!.contextOptions,
      SNICallback: this.sniCallback,
      ALPNProtocols: alpn,
      requestCert: clientAuth !== undefined,
      rejectUnauthorized: clientAuth?.required ?? false,
    };
  }

  /** The server whose default context follows reloads of the first certificate. */
  attach(server: tls.Server): void {
    this.server = server;
  }

  /** The context for a server name: exact, then wildcard, then the default. */
  select(servername: string): tls.SecureContext {
    const name = servername.toLowerCase();
    const exact = this.exact.get(name);
    if (exact !== undefined) return exact;
    const dot = name.indexOf('.');
    if (dot > 0) {
      const wild = this.wildcard.get(name.slice(dot));
      if (wild !== undefined) return wild;
    }
    return this.entries[0]!.context;
  }

  /** Watch the PEM files (their folders, so that renames and atomic replacements are seen too). */
  watch(): void {
    const files = new Set<string>();
    for (const { cert, key } of this.config.certificates) files.add(cert).add(key);
    if (this.config.clientAuth) files.add(this.config.clientAuth.ca);
    const byDir = new Map<string, Set<string>>();
    for (const file of files) {
      const dir = dirname(file);
      if (!byDir.has(dir)) byDir.set(dir, new Set());
      byDir.get(dir)!.add(basename(file));
    }
    for (const [dir, names] of byDir) {
      const watcher = watch(dir, { persistent: false }, (_event, filename) => {
        if (filename === null || names.has(filename.toString())) this.scheduleReload();
      });
      watcher.on('error', () => {});
      this.watchers.push(watcher);
    }
  }

  /** Re-read every certificate now; each one that fails keeps its previous version. */
  reload(): void {
    this.entries = this.entries.map((previous) => {
      try {
        const entry = this.load(previous.certPath, previous.keyPath);
        this.events.loaded?.(entry.certPath, entry.names);
        return entry;
      } catch (error) {
        this.events.error?.(previous.certPath, error as Error);
        return previous;
      }
    });
    this.index();
    this.server?.setSecureContext(this.entries[0]!.contextOptions);
  }

  close(): void {
    for (const watcher of this.watchers.splice(0)) watcher.close();
    if (this.reloadTimer !== null) clearTimeout(this.reloadTimer);
    this.reloadTimer = null;
  }

  private readonly sniCallback = (servername: string, callback: (error: Error | null, context?: tls.SecureContext) => void): void => {
    callback(null, this.select(servername));
  };

  private scheduleReload(): void {
    // a certificate and its key are often written one after the other: reload once, after both
    if (this.reloadTimer !== null) clearTimeout(this.reloadTimer);
    this.reloadTimer = setTimeout(() => {
      this.reloadTimer = null;
      this.reload();
    }, RELOAD_DEBOUNCE_MS);
  }

  private load(certPath: string, keyPath: string): Entry {
    const cert = readFileSync(certPath);
    const key = readFileSync(keyPath);
    const x509 = new X509Certificate(cert);
    const contextOptions: tls.SecureContextOptions = {
      cert,
      key,
      minVersion: this.config.minVersion,
      maxVersion: 'TLSv1.3',
      ciphers: MODERN_CIPHERS,
      honorCipherOrder: true,
      ...(this.clientCa !== undefined && { ca: this.clientCa }),
    };
    // createSecureContext checks that the key matches the certificate
    const context = tls.createSecureContext(contextOptions);
    return { certPath, keyPath, names: certificateNames(x509), contextOptions, context };
  }

  private index(): void {
    const exact = new Map<string, tls.SecureContext>();
    const wildcard = new Map<string, tls.SecureContext>();
    // the first certificate that names a host wins, as the config lists them
    for (const entry of this.entries) {
      for (const name of entry.names) {
        if (name.startsWith('*.')) {
          if (!wildcard.has(name.slice(1))) wildcard.set(name.slice(1), entry.context);
        } else if (!exact.has(name)) {
          exact.set(name, entry.context);
        }
      }
    }
    this.exact = exact;
    this.wildcard = wildcard;
  }
}

/** DNS names of a certificate, lower-cased: its subjectAltName entries, or its CN without any. */
export function certificateNames(cert: X509Certificate): string[] {
  const san = cert.subjectAltName;
  if (san !== undefined) {
    const names = san
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part.startsWith('DNS:'))
      .map((part) => part.slice(4).toLowerCase());
    if (names.length > 0) return names;
  }
  const cn = /(?:^|\n)CN=([^\n]+)/.exec(cert.subject);
  return cn ? [cn[1]!.toLowerCase()] : [];
}
