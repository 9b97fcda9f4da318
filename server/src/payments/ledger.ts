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
import type { ServerContext } from '../context.js';
import type { LedgerChange, LedgerResult } from '../store/types.js';

export const ledgerRefs = {
  paddleTransaction: (transactionId: string) => `paddle:${transactionId}`,
  paddleAdjustment: (adjustmentId: string) => `paddle:adj:${adjustmentId}`,
  starsCharge: (chargeId: string) => `stars:${chargeId}`,
  starsRefund: (chargeId: string) => `stars_refund:${chargeId}`,
};

export async function applyPaymentChange(
  context: ServerContext,
  change: LedgerChange & { external_ref: string },
  announce: { method: 'paddle' | 'stars' } | null,
): Promise<LedgerResult> {
  const result = await context.store.applyLedger(change, context.now().toISOString());
  if (!result.ok && result.reason === 'balance_limit_exceeded') {
    // The payer paid and nothing was credited: the operator must refund it (the provider is answered so that it stops retrying).
    context.logger.error(
      { account_id: change.account_id, external_ref: change.external_ref, amount_micros: change.amount_micros, balance_micros: result.balance_micros, limit_micros: result.limit_micros },
      'payment credit refused: it would take the balance above its ceiling (KIKUAI_MAX_BALANCE_MICROS); nothing was credited, refund the payer',
    );
  }
  if (result.ok && result.applied) {
    if (result.crossed) {
      context.events.emit('balance_crossed', { accountId: change.account_id, crossing: result.crossed, balanceMicros: result.balance_micros });
    }
    if (announce && change.amount_micros > 0) {
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
