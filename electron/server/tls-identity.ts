// The certificate a Studio server listening beyond loopback presents: made
// on first use (self-signed, with openssl) and kept, so the fingerprint the
// user pinned stays valid across restarts.
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeDirectory } from '../services/make-directory.ts';

export interface TlsIdentity {
  key: string;
  cert: string;
  /** SHA-256 of the certificate, AA:BB:... as openssl and browsers show it. */
  fingerprint: string;
  /** Whether it was made just now. */
  created: boolean;
}

/** Loads the identity from @dir, making it there first if it does not exist. */
export function tlsIdentity(dir: string): TlsIdentity {
  const keyFile = path.join(dir, 'tls-key.pem');
  const certFile = path.join(dir, 'tls-cert.pem');
  let created = false;
  if (!existsSync(keyFile) || !existsSync(certFile)) {
    try {
      makeDirectory(dir, 0o700);
    } catch (err) {
      throw new Error(`cannot keep the TLS certificate in ${dir}: ${(err as Error).message}`);
    }
    try {
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:P-256',
          '-nodes',
          '-days',
          '3650',
          '-subj',
          `/CN=kucomms-studio on ${os.hostname()}`,
          '-keyout',
          keyFile,
          '-out',
          certFile,
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
    } catch (err) {
      const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
      throw new Error(
        `cannot make the TLS certificate in ${dir} with openssl (install Debian's openssl package): ${stderr || (err as Error).message}`,
      );
    }
    created = true;
  }
  const cert = readFileSync(certFile, 'utf8');
  return { key: readFileSync(keyFile, 'utf8'), cert, fingerprint: new X509Certificate(cert).fingerprint256, created };
}
