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

export async function applyPaymentChange(
  context: ServerContext,
  change: LedgerChange & { external_ref: string },
  announce: { method: 'paddle' | 'stars' } | { refunded: { stars: number | null } } | null,
): Promise<LedgerResult> {
  const result = await context.store.applyLedger(change, context.now().toISOString());
  if (result.ok && result.applied) {
    // A refund's notice goes before the crossing it causes ("balance used up").
    if (announce && 'refunded' in announce) {
      context.events.emit('payment_refunded', { accountId: change.account_id, amountMicros: -result.entry.amount_micros, balanceMicros: result.balance_micros, stars: announce.refunded.stars });
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
