/**
 * The metered proxy's operations. They authenticate inside the handler (see
 * `proxy/metered-call.ts`) instead of through the generic preHandler, so that the key
 * check, the limits and the reservation of the price are one store round trip; and
 * their bodies stream to the upstream instead of being parsed (`proxy/streamed-body.ts`).
 */
import type { Services } from '../composition.js';
import type { Handlers } from './types.js';

/** Operations that `buildApp` routes without its authentication preHandler. */
export const METERED_PROXY_OPERATIONS = new Set(['proxyLlm', 'proxyHttp', 'callProduct']);

export function proxyRoutes({ proxy }: Pick<Services, 'proxy'>): Handlers {
  const { meteredCall } = proxy;

  return {
    async proxyLlm(request, reply) {
      return meteredCall(request, reply, 'reliapi', 'llm');
    },

    async proxyHttp(request, reply) {
      return meteredCall(request, reply, 'reliapi', 'http');
    },

    async callProduct(request, reply) {
      const { product_id: productId, endpoint_id: endpointId } = request.params;
      return meteredCall(request, reply, productId, endpointId);
    },
  };
}
