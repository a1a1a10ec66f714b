import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Services } from '../services.js';
import { passesNavigation } from '../core/tokens/token-verification.js';
import type { FormMap } from './server-api/form.js';
import type { PublicAddress } from './public-url.js';

/** RMTP over ws and wss, as the navigation answer numbers them. */
const PROTOCOL_WS = 5;
const PROTOCOL_WSS = 6;

export interface NavigationOptions {
  services: Services;
  publicAddress: PublicAddress;
  /** In cluster mode the answer lists the live gateways (least loaded first) instead of this node. */
  clustered: boolean;
}

/**
 * `POST /v2/navi.json`, as the official Web SDK sends it: tells a client which gateway to open.
 * It refuses (401) only a token whose MAC fails; the SDK turns any 401 into 31004, so every other
 * refusal (unknown App Key, blocked user, expired token) is left to the gateway's CONNACK.
 */
export async function navigationPlugin(http: FastifyInstance, { services, publicAddress, clustered }: NavigationOptions): Promise<void> {
  http.options('/v2/navi.json', async (_request, reply) => allowCrossOrigin(reply).code(204).send());
  http.post('/v2/navi.json', async (request, reply) => {
    allowCrossOrigin(reply);
    const token = (request.body as FormMap | undefined)?.get('token')?.[0] ?? '';
    if (!(await passesNavigation(token, (appKey) => services.apps.get(appKey)))) {
      return reply.code(401).send({ code: 401, errorMessage: 'token incorrect' });
    }
    const base = publicAddress.baseUrlFor(request);
    const live = clustered ? await services.bus.nodes.live() : [];
    const serverAddr =
      live.length > 0
        ? live.map((node) => ({ addr: node.address, protocol: node.protocol, weight: 1 }))
        : [{ addr: base.host, protocol: base.protocol === 'https:' ? PROTOCOL_WSS : PROTOCOL_WS, weight: 1 }];
    return reply.send({
      code: 200,
      serverAddr,
      // Pull mode: messages arrive by notify-then-pull, so the inbox cursor alone decides delivery.
      openHistoryMsg: 1,
      historyMsg: true,
    });
  });
}

/** Browser pages on any origin may navigate; the gateway's safe-domain check decides who connects. */
function allowCrossOrigin(reply: FastifyReply): FastifyReply {
  return reply.headers({
    'access-control-allow-origin': '*',
    'access-control-allow-methods': 'POST, OPTIONS',
    'access-control-allow-headers': 'RC-Appkey, RC-Negotiate, Content-Type',
    'access-control-max-age': '86400',
  });
}
