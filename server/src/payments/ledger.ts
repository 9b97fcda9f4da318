/**
 * Every payment moves money through `store.applyLedger` with an external reference, so
 * a provider's repeated or concurrent deliveries change the balance exactly once:
 *
 *   paddle:<txn id>            credit of a completed Paddle transaction
 *   paddle:adj:<adjustment id> refund / chargeback debit, or chargeback-reversal credit
 *   stars:<charge id>          credit of a Telegram Stars charge
 *   stars_refund:<charge id>   debit of a refunded Stars charge
 *
 * A change that applied announces itself on the server's events (the notifier tells
 * the user); a repeat announces nothing.
 */
import { reportIncident } from './incidents.js';
import type { ServerContext } from '../context.js';
import type { BalanceCrossing, LedgerChange, LedgerResult } from '../store/types.js';

export const ledgerRefs = {
  paddleTransaction: (transactionId: string) => `paddle:${transactionId}`,
  paddleAdjustment: (adjustmentId: string) => `paddle:adj:${adjustmentId}`,
  starsCharge: (chargeId: string) => `stars:${chargeId}`,
  starsRefund: (chargeId: string) => `stars_refund:${chargeId}`,
};

/** Tells the server's events about a credit that applied (the notifier tells the user). */
export function announceCredit(
  context: ServerContext,
  accountId: string,
  amountMicros: number,
  result: { balance_micros: number; crossed: BalanceCrossing | null },
  announce: { method: 'paddle' | 'stars' } | null,
): void {
  if (result.crossed) context.events.emit('balance_crossed', { accountId, crossing: result.crossed, balanceMicros: result.balance_micros });
  if (announce) context.events.emit('payment_credited', { accountId, amountMicros, balanceMicros: result.balance_micros, method: announce.method });
}

/**
 * A paid credit the balance ceiling refused: the payer paid and nothing was credited, so
 * the operator must refund it (the provider is answered so that it stops retrying). Kept
 * as an incident (store, metric, operator chat) and logged as an error.
 */
export async function reportBalanceLimit(
  context: ServerContext,
  credit: { account_id: string; topup_id: string | null; external_ref: string; amount_micros: number },
  refusal: { balance_micros: number; limit_micros: number },
): Promise<void> {
  context.logger.error(
    { ...credit, balance_micros: refusal.balance_micros, limit_micros: refusal.limit_micros },
    'payment credit refused: it would take the balance above its ceiling (KIKUAI_MAX_BALANCE_MICROS); nothing was credited, refund the payer',
  );
  await reportIncident(context, {
    id: `balance_limit:${credit.external_ref}`,
    kind: 'balance_limit_exceeded',
    account_id: credit.account_id,
    topup_id: credit.topup_id,
    detail: `A payment of ${credit.amount_micros} micro-USD (${credit.external_ref}) was not credited: the balance of ${refusal.balance_micros} would pass its ceiling of ${refusal.limit_micros}. Refund the payer.`,
  });
}

export async function applyPaymentChange(
  context: ServerContext,
  change: LedgerChange & { external_ref: string },
  announce: { method: 'paddle' | 'stars' } | { refunded: { stars: number | null } } | null,
): Promise<LedgerResult> {
  const result = await context.store.applyLedger(change, context.now().toISOString());
  if (!result.ok && result.reason === 'balance_limit_exceeded' && change.amount_micros > 0) {
    await reportBalanceLimit(
      context,
      { account_id: change.account_id, topup_id: null, external_ref: change.external_ref, amount_micros: change.amount_micros },
      result,
    );
  }
  if (result.ok && result.applied) {
    // A refund's notice goes before the crossing it causes ("balance used up").
    if (announce && 'refunded' in announce) {
      context.events.emit('payment_refunded', {
        accountId: change.account_id,
        amountMicros: -result.entry.amount_micros,
        balanceMicros: result.balance_micros,
        stars: announce.refunded.stars,
      });
    }
    if (result.crossed) {
      context.events.emit('balance_crossed', { accountId: change.account_id, crossing: result.crossed, balanceMicros: result.balance_micros });
    }
    if (announce && 'method' in announce && change.amount_micros > 0) {
      context.events.emit('payment_credited', {
        accountId: change.account_id,
        amountMicros: change.amount_micros,
        balanceMicros: result.balance_micros,
        method: announce.method,
      });
    }
    if (result.shortfall_micros) {
      context.logger.warn(
        { account_id: change.account_id, external_ref: change.external_ref, shortfall_micros: result.shortfall_micros },
        'payment reversal exceeded the balance: balance taken to 0 and the account suspended until settled',
      );
    }
  }
  return result;
}
