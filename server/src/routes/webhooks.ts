/**
 * Paddle's webhook. The signature is checked over the exact bytes Paddle sent
 * (`request.rawBody`, kept by the app's JSON parser for routes with `rawBody: true`)
 * before anything else; a refused delivery changes nothing.
 */
import type { Services } from '../composition.js';
import { ApiProblem } from '../http/problem.js';
import { verifyPaddleSignature } from '../payments/index.js';
import type { Handlers } from './types.js';

const REFUSALS = {
  missing: 'The Paddle-Signature header is missing.',
  malformed: 'The Paddle-Signature header is malformed (expected ts=…;h1=…).',
  stale: 'The Paddle-Signature timestamp is outside the accepted window.',
  mismatch: 'The Paddle-Signature does not match the body.',
  not_configured: 'No Paddle webhook secret is configured on this server (PADDLE_WEBHOOK_SECRET).',
} as const;

export function webhookRoutes(context: Pick<Services, 'config' | 'now' | 'payments' | 'metrics'>): Handlers {
  return {
    async receivePaddleWebhook(request) {
      const rawBody = (request as unknown as { rawBody?: Buffer }).rawBody;
      const header = request.headers['paddle-signature'];
      const check = verifyPaddleSignature(rawBody ?? Buffer.alloc(0), typeof header === 'string' ? header : undefined, {
        secrets: context.config.paddle.webhookSecrets,
        toleranceSeconds: context.config.paddle.webhookToleranceSeconds,
        nowSeconds: Math.floor(context.now().getTime() / 1000),
      });
      if (!check.ok || !rawBody) {
        const reason = check.ok ? 'missing' : check.reason;
        request.log.warn({ reason }, 'paddle webhook refused');
        context.metrics.countSignatureFailure('paddle', reason);
        throw new ApiProblem(401, 'invalid_signature', REFUSALS[reason]);
      }
      // Credits and refunds are counted from the ledger (metrics.ts); here what moved no money.
      const outcome = await context.payments.paddleWebhook.handle(request.body).catch((error: unknown) => {
        context.metrics.countPayment('paddle', 'failed'); // answered 5xx: Paddle delivers it again
        throw error;
      });
      if (outcome === 'refused') context.metrics.countPayment('paddle', 'refused');
      return { received: true, outcome };
    },
  };
}
