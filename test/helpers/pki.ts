// Certificates generated at test time with the openssl CLI: a CA per test suite and leaf
// certificates for server names and clients. Nothing here is committed; keys live in a temp dir.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface CertFiles {
  cert: string;
  key: string;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

export function tempDir(prefix = 'fulcrum-pki-'): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A throwaway certificate authority that signs server and client certificates. */
export class TestCa implements CertFiles {
  readonly cert: string;
  readonly key: string;
  private serial = 1;

  private constructor(
    readonly dir: string,
    readonly name: string,
  ) {
    this.cert = join(dir, `${name}.pem`);
    this.key = join(dir, `${name}.key`);
  }

  static create(dir: string, name = 'test-ca', signer?: TestCa): TestCa {
    const ca = new TestCa(dir, name);
    if (signer === undefined) {
      openssl(
        [
          'req',
          '-x509',
          ...EC_KEY,
          '-keyout',
          ca.key,
          '-out',
          ca.cert,
          '-days',
          '2',
          '-subj',
          `/CN=${name}`,
          '-addext',
          'basicConstraints=critical,CA:TRUE',
          '-addext',
          'keyUsage=critical,keyCertSign,cRLSign',
        ],
        dir,
      );
    } else {
      signer.sign(name, ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign,cRLSign'], ca);
    }
    return ca;
  }

  /** A server certificate for these DNS names (the first is also the CN), valid for client use too. */
  issue(fileName: string, dnsNames: string[], options: { cn?: string } = {}): CertFiles {
    const files = { cert: join(this.dir, `${fileName}.pem`), key: join(this.dir, `${fileName}.key`) };
    const san = dnsNames.length > 0 ? [`subjectAltName=${dnsNames.map((n) => (/^[\d.]+$/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(',')}`] : [];
    this.sign(options.cn ?? dnsNames[0] ?? fileName, [...san, 'basicConstraints=CA:FALSE', 'extendedKeyUsage=serverAuth,clientAuth'], files);
    return files;
  }

  private sign(cn: string, extensions: string[], files: CertFiles): void {
    const csr = `${files.cert}.csr`;
    const ext = `${files.cert}.ext`;
    writeFileSync(ext, extensions.join('\n') + '\n');
    openssl(['req', ...EC_KEY, '-keyout', files.key, '-out', csr, '-subj', `/CN=${cn}/O=Fulcrum Tests`], this.dir);
    openssl(
      ['x509', '-req', '-in', csr, '-CA', this.cert, '-CAkey', this.key, '-set_serial', String(this.serial++ + (Date.now() % 100000)), '-out', files.cert, '-days', '2', '-extfile', ext],
      this.dir,
    );
  }
}
