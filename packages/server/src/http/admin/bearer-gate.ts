import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Bus } from '../../bus/bus.js';
import { adminTokenMatches, bearerToken } from './admin-token.js';

/**
 * Wrong tokens per second from one client address (bursts of 3 times that): guessing stays slow,
 * while calls with a right token are never counted, so nobody can lock the operator out by failing
 * on purpose (behind a proxy without `--trust-proxy`, everyone shares one address).
 */
const FAILURES_PER_IP_PER_SECOND = 5;

/**
 * A fastify `onRequest` hook that lets through a request carrying one of `tokens` as
 * `Authorization: Bearer <token>` and answers 401 (429 past the failure rate) to anything else.
 * The admin API and `/metrics` share one failure budget per address, so neither is a side door
 * for guessing the admin token.
 */
export function bearerGate(bus: Bus, realm: string, what: string, tokens: () => string[]) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    const presented = bearerToken(request.headers.authorization);
    if (presented !== undefined && tokens().some((token) => adminTokenMatches(presented, token))) return undefined;
    if (!(await bus.takeToken(`bearer-failure:${request.ip}`, FAILURES_PER_IP_PER_SECOND, FAILURES_PER_IP_PER_SECOND * 3))) {
      return reply.code(429).send({ code: 429, errorMessage: 'too many wrong tokens from this address, slow down' });
    }
    return reply
      .code(401)
      .header('www-authenticate', `Bearer realm="${realm}"`)
      .send({ code: 401, errorMessage: presented === undefined ? `send ${what} as Authorization: Bearer <token>` : `${what} is wrong` });
  };
}
