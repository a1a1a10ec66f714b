import { readFile } from 'node:fs/promises';
import { createSecureContext, type SecureContext } from 'node:tls';
import { ConfigError } from '../../config.js';

/**
 * The certificate chain and key of `--tls-cert` / `--tls-key`, as every port's TLS handshakes use
 * them. `reload` reads the files again (an operator renewing a certificate, then SIGHUP): new
 * handshakes get the new pair, connections already open keep the one they were made with, and a
 * pair that cannot serve leaves the old one in place.
 */
export class TlsCertificate {
  private constructor(
    private readonly certFile: string,
    private readonly keyFile: string,
    private current: SecureContext,
  ) {}

  /** Reads and tries the pair; a pair that cannot serve is a ConfigError naming the flag. */
  static async load(certFile: string, keyFile: string): Promise<TlsCertificate> {
    return new TlsCertificate(certFile, keyFile, await secureContextOf(certFile, keyFile));
  }

  /** What the next TLS handshake is made with. */
  get context(): SecureContext {
    return this.current;
  }

  /** Reads the files again; on any failure throws and keeps serving the pair it had. */
  async reload(): Promise<void> {
    this.current = await secureContextOf(this.certFile, this.keyFile);
  }
}

async function secureContextOf(certFile: string, keyFile: string): Promise<SecureContext> {
  const read = (file: string, flag: string) =>
    readFile(file).catch((error: NodeJS.ErrnoException) => {
      throw new ConfigError(`${flag} ${file}: ${error.code ?? error.message}`);
    });
  const [cert, key] = await Promise.all([read(certFile, '--tls-cert'), read(keyFile, '--tls-key')]);
  try {
    return createSecureContext({ cert, key });
  } catch (error) {
    throw new ConfigError(`--tls-cert and --tls-key do not make a usable pair: ${(error as Error).message}`);
  }
}
