/**
 * The metered proxy's operations. They authenticate inside the handler (see
 * `proxy/metered-call.ts`) instead of through the generic preHandler, so that the key
 * check, the limits and the reservation of the price are one store round trip; and
 * their bodies stream to the upstream instead of being parsed (`proxy/streamed-body.ts`).
 */
import type { RouteOptions } from 'fastify';
import type { ServerContext } from '../context.js';
import { createMeteredCall } from '../proxy/metered-call.js';
import { keepBodyStream } from '../proxy/streamed-body.js';
import { Upstreams } from '../proxy/upstreams.js';
import { UsageRecorder } from '../proxy/usage-recorder.js';
import type { Handlers } from './types.js';

/** Operations that `buildApp` routes without its authentication preHandler. */
export const METERED_PROXY_OPERATIONS = new Set(['proxyLlm', 'proxyHttp', 'callProduct']);

/** Route options of the metered proxy's operations: streamed bodies up to the largest product limit. */
export function meteredProxyRouteOptions(context: ServerContext): Partial<RouteOptions> {
  const largest = Math.max(context.config.bodyLimitBytes, ...context.products.products.map((product) => product.maxBodyBytes));
  return { bodyLimit: largest, preParsing: [keepBodyStream] as never };
}

export function proxyRoutes(context: ServerContext): Handlers {
  const upstreams = new Upstreams(context.products);
  const usage = new UsageRecorder(context.store, context.logger);
  context.closers.push(
    () => upstreams.close(),
    () => usage.close(),
  );
  const meteredCall = createMeteredCall({ context, upstreams, usage });

  return {
    async proxyLlm(request, reply) {
      return meteredCall(request, reply, 'reliapi', 'llm');
    },

    async proxyHttp(request, reply) {
      return meteredCall(request, reply, 'reliapi', 'http');
    },

    async callProduct(request, reply) {
      const { product_id: productId, endpoint_id: endpointId } = request.params as { product_id: string; endpoint_id: string };
      return meteredCall(request, reply, productId, endpointId);
    },
  };
}
