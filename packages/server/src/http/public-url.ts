import { networkInterfaces } from 'node:os';
import type { FastifyRequest } from 'fastify';
import { isHostName, isLoopbackHost } from '../config.js';
import { httpError } from './json-api.js';

/**
 * The address clients should use to reach this server, which goes into navigation answers and after
 * the `@` of every token: `--public-url` when set. Without it, the request's Host header, but only
 * when it names this server (the bound address, or a name in `--allowed-hosts`): a Host chosen by
 * the caller must not send other users' SDKs to a host of the caller's choosing.
 */
export class PublicAddress {
  /** Accepted Host values, lowercased: `name:port`, or a bare name that stands for any port. */
  private readonly accepted = new Set<string>();

  constructor(
    readonly configured: string | undefined,
    allowedHosts: readonly string[],
  ) {
    for (const host of allowedHosts) this.accepted.add(host.toLowerCase());
  }

  /** Once the server listens: the names of the bound address, at the bound port, name it too. */
  bind(host: string, port: number): void {
    for (const name of namesOf(host)) {
      this.accepted.add(`${name}:${port}`);
      if (port === 80) this.accepted.add(name);
    }
  }

  baseUrlFor(request: FastifyRequest): URL {
    if (this.configured) return new URL(this.configured);
    const host = (request.headers.host ?? '').toLowerCase();
    if (!this.names(host)) {
      throw httpError(421, `the Host header ${JSON.stringify(host.slice(0, 100))} does not name this server: set --public-url (or --allowed-hosts)`);
    }
    return new URL(`${request.protocol === 'https' ? 'https' : 'http'}://${host}`);
  }

  private names(host: string): boolean {
    if (!isHostName(host)) return false;
    if (this.accepted.has(host)) return true;
    const bare = host.replace(/:\d+$/, '');
    return bare !== host && this.accepted.has(bare);
  }
}

/** How a client may spell the bound address in a Host header. */
function namesOf(host: string): string[] {
  const wildcard = host === '0.0.0.0' || host === '::';
  const addresses = wildcard ? Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((i) => i.address)) : [host];
  const names = addresses.map((a) => (a.includes(':') ? `[${a}]` : a));
  if (wildcard || isLoopbackHost(host)) names.push('localhost', '127.0.0.1', '[::1]');
  return names.map((n) => n.toLowerCase());
}
