/**
 * Payments: top-ups by Paddle card checkout or Telegram Stars, crediting exactly once,
 * refunds and chargebacks debited once. See README.md (Payments) for the decisions.
 *
 *   topups.ts          start a top-up (Paddle transaction / Stars invoice link)
 *   paddle-api.ts      the Paddle API through @paddle/paddle-node-sdk
 *   paddle-signature.ts  Paddle-Signature verification (rotation, tolerance, constant time)
 *   paddle-webhook.ts  Paddle events → ledger
 *   stars.ts           Stars pre-checkout, payments and refunds reported by the bot
 *   ledger.ts          the external references that make every change happen once
 *   incidents.ts       payment events that moved no money, kept for the operator
 *   pay-page.ts        `/pay`, the default payment link page that opens Paddle's checkout
 */
import type { ServerContext } from '../context.js';
import { createPaddleApi, type PaddleApi } from './paddle-api.js';
import { PaddleWebhookHandler } from './paddle-webhook.js';
import { StarsPayments } from './stars.js';
import type { BotApi } from '../telegram/bot-api.js';
import { TopupService } from './topups.js';

export interface Payments {
  paddle: PaddleApi;
  topups: TopupService;
  paddleWebhook: PaddleWebhookHandler;
  stars: StarsPayments;
}

/** The payment services of a server (built once by the composition root). */
export function createPayments(context: ServerContext, botApi: BotApi): Payments {
  const paddle = createPaddleApi(context.config.paddle);
  return {
    paddle,
    topups: new TopupService(context, paddle, botApi),
    paddleWebhook: new PaddleWebhookHandler(context, paddle),
    stars: new StarsPayments(context, botApi),
  };
}

export { verifyPaddleSignature, parseSignatureHeader } from './paddle-signature.js';
export { payPagePlugin, NON_API_ROUTES } from './pay-page.js';
export { ledgerRefs } from './ledger.js';
