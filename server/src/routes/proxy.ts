/**
 * The metered proxy's operations. They authenticate inside the handler (see
 * `proxy/metered-call.ts`) instead of through the generic preHandler, so that the key
 * check, the limits and the reservation of the price are one store round trip; and
 * their bodies stream to the upstream instead of being parsed (`proxy/streamed-body.ts`).
 */
import type { ServerContext } from '../context.js';
import { createMeteredCall } from '../proxy/metered-call.js';
import { InDoubtCalls } from '../proxy/in-doubt.js';
import { Upstreams } from '../proxy/upstreams.js';
import { CallRecorder } from '../proxy/call-recorder.js';
import { CallReconciler } from '../proxy/call-reconciler.js';
import type { Handlers } from './types.js';

/** Operations that `buildApp` routes without its authentication preHandler. */
export const METERED_PROXY_OPERATIONS = new Set(['proxyLlm', 'proxyHttp', 'callProduct']);

export function proxyRoutes(context: ServerContext): Handlers {
  const upstreams = new Upstreams(context.products);
  const calls = new CallRecorder(context.store, context.logger);
  const inDoubt = new InDoubtCalls(context.store, context.logger, context.now, (accountId, crossing, balanceMicros) => {
    if (crossing) context.events.emit('balance_crossed', { accountId, crossing, balanceMicros });
  });
  const longestTimeoutMs = Math.max(0, ...context.products.products.map((product) => product.timeoutMs));
  const reconciler = new CallReconciler({
    store: context.store,
    logger: context.logger,
    now: context.now,
    events: context.events,
    settleAfterMs: longestTimeoutMs + context.config.reconcile.graceMs,
    intervalMs: context.config.reconcile.intervalMs,
  });
  reconciler.start();
  context.closers.push(
    () => upstreams.close(),
    () => calls.close(),
    () => reconciler.close(),
    () => inDoubt.close(),
  );
  const meteredCall = createMeteredCall({ context, upstreams, calls, inDoubt });

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
