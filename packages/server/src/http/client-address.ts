import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';

/** Whether an address belongs to a proxy whose `X-Forwarded-For` is believed (`--trust-proxy`). */
export type TrustedProxies = (address: string) => boolean;

/** Hops of `X-Forwarded-For` looked at: a chain of trusted proxies longer than this is not a real setup. */
const MAX_FORWARDED_HOPS = 16;

/** The `--trust-proxy` list (addresses and CIDR ranges, checked by config.ts) as a predicate. */
export function trustedProxies(entries: readonly string[]): TrustedProxies {
  if (entries.length === 0) return () => false;
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', bits] = entry.split('/');
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(bits), family);
  }
  return (address) => {
    const family = isIP(address);
    return family !== 0 && list.check(address, family === 6 ? 'ipv6' : 'ipv4');
  };
}

/**
 * The client's address: the socket's peer, or, while that peer is a trusted proxy, the hop it says
 * it forwarded for (read right to left, so a client cannot pose as anyone by writing the header
 * itself). Every per-IP limit keys on this. Fastify's `trustProxy` is given the same predicate, so
 * `request.ip` agrees with it.
 */
export function clientAddressOf(request: IncomingMessage, trusted: TrustedProxies): string {
  let address = request.socket.remoteAddress ?? 'unknown';
  if (!trusted(address)) return address;
  const header = request.headers['x-forwarded-for'];
  const hops = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',');
  for (let i = hops.length - 1, seen = 0; i >= 0 && seen < MAX_FORWARDED_HOPS; i--, seen++) {
    const hop = hops[i]?.trim() ?? '';
    if (isIP(hop) === 0) return address;
    address = hop;
    if (!trusted(hop)) return hop;
  }
  return address;
}
