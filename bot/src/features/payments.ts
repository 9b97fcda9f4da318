import { Composer } from 'grammy';
import { KikuaiError, type StarsPreCheckoutResult } from '@kikuai/sdk';
import type { BotContext } from '../context.js';
import { PaymentNotRecordedError } from '../middlewares/reply-on-error.js';
import { describeError } from '../services/errors.js';
import { formatMoney } from '../services/format.js';

/** Telegram wants the pre-checkout answer within 10 s: short API timeout, one retry. */
const PRE_CHECKOUT_CLIENT = { timeoutMs: 3_500, maxRetries: 1 };
/** Recording a confirmed payment may take longer; the API credits once per charge id. */
const RECORD_CLIENT = { maxRetries: 3 };

/** The bot's words for each reason the API refuses a pre-checkout query. */
const DECLINED: Record<NonNullable<StarsPreCheckoutResult['reason']>, string> = {
  no_account: 'payment-declined-no-account',
  unknown_invoice: 'payment-declined-unknown-invoice',
  not_pending: 'payment-declined-not-pending',
  wrong_currency: 'payment-declined-wrong-currency',
  wrong_amount: 'payment-declined-wrong-amount',
};

/**
 * The Stars flow: the API decides on each pre-checkout query and credits each
 * `successful_payment` once by its `telegram_payment_charge_id`. Registered before any
 * private-chat filter: a pre-checkout query has no chat.
 *
 * A report the API refuses for good (400, 409, 404 `not_found`: more Stars than the
 * invoice, a charge of another account, a refund of a charge it never recorded) is final: logged,
 * and the update is answered, so Telegram does not deliver it again and again (the API
 * kept it for the operator). Only an API that could not answer makes the webhook fail.
 * The API itself tells the user of a refund ("refunded", then any "balance used up").
 */
export const paymentsFeature = new Composer<BotContext>();

/**
 * The API decided and will decide the same again: retrying the update cannot help. Not a
 * 404 `account_not_found`: a payer without an account yet may /start, and a re-delivery
 * then credits them.
 */
const isFinalRefusal = (error: unknown): error is KikuaiError =>
  error instanceof KikuaiError && (error.status === 400 || error.status === 409 || (error.status === 404 && error.code === 'not_found'));

/** What a log line says of a Stars charge, and for a final refusal what the API answered. */
const chargeLogFields = (ctx: BotContext & { from: { id: number } }, chargeId: string, refusal?: KikuaiError) => ({
  update_id: ctx.update.update_id,
  user_id: ctx.from.id,
  telegram_payment_charge_id: chargeId,
  ...(refusal ? { status: refusal.status, code: refusal.code } : {}),
});

/** A payment made in a group (a forwarded invoice) is confirmed privately: the balance is nobody else's business. */
const tellPayer = (ctx: BotContext & { from: { id: number } }, text: string) =>
  ctx.api.sendMessage(ctx.chat?.type === 'private' ? ctx.chat.id : ctx.from.id, text, { parse_mode: 'HTML' });

paymentsFeature.on('pre_checkout_query', async (ctx) => {
  const query = ctx.preCheckoutQuery;
  let answer: { ok: true } | { ok: false; message: string };
  try {
    const result = await ctx.kikuaiFor(query.from.id, PRE_CHECKOUT_CLIENT).stars.preCheckout({
      invoice_payload: query.invoice_payload,
      currency: query.currency,
      total_amount: query.total_amount,
    });
    answer = result.ok ? { ok: true } : { ok: false, message: ctx.t((result.reason && DECLINED[result.reason]) ?? 'payment-declined') };
  } catch (error) {
    ctx.logger.warn({ update_id: ctx.update.update_id, user_id: query.from.id, ...describeError(error).logFields }, 'pre-checkout check failed');
    answer = { ok: false, message: ctx.t('payment-unavailable') };
  }
  if (answer.ok) await ctx.answerPreCheckoutQuery(true);
  else await ctx.answerPreCheckoutQuery(false, { error_message: answer.message });
});

paymentsFeature.on('message:successful_payment', async (ctx) => {
  const payment = ctx.message.successful_payment;
  let result;
  try {
    result = await ctx.kikuaiFor(ctx.from.id, RECORD_CLIENT).stars.recordPayment({
      invoice_payload: payment.invoice_payload,
      currency: payment.currency,
      total_amount: payment.total_amount,
      telegram_payment_charge_id: payment.telegram_payment_charge_id,
      ...(payment.provider_payment_charge_id ? { provider_payment_charge_id: payment.provider_payment_charge_id } : {}),
    });
  } catch (error) {
    if (error instanceof KikuaiError && error.code === 'balance_limit_exceeded') {
      // Final: the API credited nothing and never will for this charge (a redelivery would be refused again); the operator refunds it.
      ctx.logger.error(chargeLogFields(ctx, payment.telegram_payment_charge_id), 'payment not credited: over the balance limit, to be refunded');
      await tellPayer(ctx, ctx.t('payment-over-limit', { stars: payment.total_amount })).catch(() => undefined);
      return;
    }
    if (isFinalRefusal(error)) {
      ctx.logger.error(
        chargeLogFields(ctx, payment.telegram_payment_charge_id, error),
        'Stars payment refused by the API: nothing credited, kept for the operator',
      );
      await tellPayer(ctx, ctx.t('payment-refused', { stars: payment.total_amount })).catch(() => undefined);
      return;
    }
    ctx.logger.error(chargeLogFields(ctx, payment.telegram_payment_charge_id), 'payment not recorded yet');
    await tellPayer(ctx, ctx.t('payment-delayed', { stars: payment.total_amount })).catch(() => undefined);
    throw new PaymentNotRecordedError('the API did not record a Stars payment', { cause: error });
  }
  // `applied: false` means this charge was credited before: the user was told then.
  if (!result.applied) return;
  await tellPayer(
    ctx,
    ctx.t('payment-credited', {
      amount: formatMoney(ctx, result.topup.amount_micros),
      stars: payment.total_amount,
      balance: formatMoney(ctx, result.balance_micros),
    }),
  );
});

paymentsFeature.on('message:refunded_payment', async (ctx) => {
  const refund = ctx.message.refunded_payment;
  try {
    // The API tells the user (refunded, then any "balance used up"), in that order.
    await ctx.kikuaiFor(ctx.from.id, RECORD_CLIENT).stars.recordRefund({
      telegram_payment_charge_id: refund.telegram_payment_charge_id,
      ...(refund.invoice_payload ? { invoice_payload: refund.invoice_payload } : {}),
      currency: refund.currency,
      total_amount: refund.total_amount,
    });
  } catch (error) {
    if (isFinalRefusal(error)) {
      ctx.logger.error(
        chargeLogFields(ctx, refund.telegram_payment_charge_id, error),
        'Stars refund of a charge the API never recorded: nothing debited, kept for the operator',
      );
      return;
    }
    ctx.logger.error(chargeLogFields(ctx, refund.telegram_payment_charge_id), 'refund not recorded yet');
    throw new PaymentNotRecordedError('the API did not record a Stars refund', { cause: error });
  }
});
