import type { RequestOptions } from '../request-options.js';
import type { StarsPaymentRequest, StarsPaymentResult, StarsPreCheckoutRequest, StarsPreCheckoutResult, StarsRefundRequest } from '../types.js';
import { unwrap, type ResourceContext } from './context.js';

/**
 * Telegram Stars payments as the bot reports them (bot service credentials only):
 * `kikuai.stars`.
 *
 * @example
 * ```ts
 * const bot = createKikuaiClient({ baseUrl, auth: { serviceToken, telegramUserId: query.from.id } });
 * const { ok, reason } = await bot.stars.preCheckout({ invoice_payload: query.invoice_payload, currency: query.currency, total_amount: query.total_amount });
 * ```
 */
export interface StarsResource {
  /**
   * Whether to accept a `pre_checkout_query`; answer Telegram with the result.
   *
   * @example
   * ```ts
   * const { ok, reason } = await bot.stars.preCheckout({ invoice_payload: 'top_1', currency: 'XTR', total_amount: 250 });
   * ```
   */
  preCheckout(body: StarsPreCheckoutRequest, options?: RequestOptions): Promise<StarsPreCheckoutResult>;
  /**
   * Records a `successful_payment`; credited once per `telegram_payment_charge_id`.
   * Sends a generated `Idempotency-Key` unless you pass one, so it is retried safely.
   *
   * @example
   * ```ts
   * const payment = message.successful_payment;
   * await bot.stars.recordPayment({ invoice_payload: payment.invoice_payload, currency: payment.currency, total_amount: payment.total_amount, telegram_payment_charge_id: payment.telegram_payment_charge_id });
   * ```
   */
  recordPayment(body: StarsPaymentRequest, options?: RequestOptions): Promise<StarsPaymentResult>;
  /**
   * Records a Stars refund; debited once per `telegram_payment_charge_id`.
   *
   * @example
   * ```ts
   * await bot.stars.recordRefund({ telegram_payment_charge_id: 'stxAbc' });
   * ```
   */
  recordRefund(body: StarsRefundRequest, options?: RequestOptions): Promise<StarsPaymentResult>;
}

export function createStarsResource(context: ResourceContext): StarsResource {
  const { raw } = context;
  return {
    preCheckout: (body, options) => unwrap(raw.POST('/api/v1/payment/stars/pre_checkout', { body, ...context.init(options) })),
    recordPayment: (body, options) => unwrap(raw.POST('/api/v1/payment/stars/payments', { body, ...context.init(options, 'generate') })),
    recordRefund: (body, options) => unwrap(raw.POST('/api/v1/payment/stars/refunds', { body, ...context.init(options) })),
  };
}
