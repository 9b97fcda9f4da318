/**
 * Payment incidents: a payment event that moved no money and needs an operator — a
 * Paddle transaction that is not the one kikuai created for the top-up it names, or
 * does not cost what the top-up asked; a Stars charge claimed by two accounts; a Stars
 * payment over what its invoice or Telegram allows; a refund of a charge kikuai never
 * recorded; a paid credit the balance ceiling refused (the payer is owed a refund). Each is kept in the store once (by id), logged, counted
 * (`kikuai_payment_incidents_total`) and sent to the operator chat when configured.
 */
import type { ServerContext } from '../context.js';
import type { PaymentIncident } from '../store/types.js';

export type IncidentKind =
  | 'paddle_transaction_mismatch'
  | 'paddle_amount_mismatch'
  | 'stars_charge_conflict'
  | 'stars_amount_refused'
  | 'stars_refund_unknown_charge'
  | 'balance_limit_exceeded';

export async function reportIncident(context: ServerContext, incident: Omit<PaymentIncident, 'created_at' | 'kind'> & { kind: IncidentKind }): Promise<void> {
  const record: PaymentIncident = { ...incident, created_at: context.now().toISOString() };
  const first = await context.store.recordPaymentIncident(record);
  context.logger.warn({ incident: record, repeated: !first }, 'payment incident: nothing credited, kept for the operator');
  if (first) context.events.emit('payment_incident', { incident: record });
}
