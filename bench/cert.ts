// The one certificate both TLS-terminating proxies serve: ECDSA P-256, self-signed, made with
// openssl in the bench's temp folder. Same certificate, same TLS 1.3 cipher preference
// (TLS_AES_128_GCM_SHA256 first, as Fulcrum's MODERN_CIPHERS), X25519 by default on both.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export interface BenchCertificate {
  cert: string;
  key: string;
}

/** TLS 1.3 suites in the order both proxies prefer them. */
export const TLS13_SUITES = 'TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256';

export function makeCertificate(dir: string): BenchCertificate {
  const cert = join(dir, 'bench-cert.pem');
  const key = join(dir, 'bench-key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '2',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  return { cert, key };
}
