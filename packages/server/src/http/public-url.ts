import type { FastifyRequest } from 'fastify';

/**
 * The address clients should use to reach this server: `--public-url` when set, otherwise what the
 * caller used to reach us (its Host header), which is right for single-machine setups and tests.
 */
export function publicBaseUrl(request: FastifyRequest, configured: string | undefined): URL {
  if (configured) return new URL(configured);
  const proto = request.protocol === 'https' ? 'https' : 'http';
  return new URL(`${proto}://${request.headers.host ?? `${request.hostname}`}`);
}
