/**
 * Paddle notifications, after the signature is verified (`paddle-signature.ts`):
 *
 * - `transaction.completed` credits the top-up named in the transaction's top-level
 *   `custom_data` ({ account_id, topup_id }) with the top-up's amount, once per
 *   transaction id (ledger ref `paddle:<txn>`).
 * - `adjustment.created` / `adjustment.updated` with action `refund` or `chargeback` and
 *   status `approved` debit once per adjustment id (`paddle:adj:<id>`) with
 *   `clamp_and_suspend`: if the balance no longer covers it, the balance is taken to 0
 *   and the account suspended until the operator settles it. `chargeback_reverse`
 *   (approved) credits back once. Other actions and statuses are acknowledged.
 * - Out of order: an adjustment carries only its transaction id, so the transaction is
 *   fetched from Paddle's API (its `custom_data` names the account and top-up). A refund
 *   can only exist for a paid transaction, so when its credit has not landed yet it is
 *   applied first, under the same `paddle:<txn>` reference: the late
 *   `transaction.completed` is then a duplicate, and the balance ends right either way.
 * - Each event id is processed once (`claimIdempotent`, kept 7 days: Paddle retries
 *   for 3); correctness never depends on it, since every ledger change is keyed.
 *
 * Unknown event types: acknowledged (200), logged, ignored. Everything here is a few
 * store round trips and at most one Paddle API call: well within Paddle's 5 seconds.
 */
import type { ServerContext } from '../context.js';
import type { Topup } from '../store/types.js';
import type { PaddleApi } from './paddle-api.js';
import { applyPaymentChange, ledgerRefs } from './ledger.js';

export type WebhookOutcome = 'credited' | 'debited' | 'duplicate' | 'ignored' | 'deferred';

export interface PaddleEventEnvelope {
  event_id: string;
  event_type: string;
  occurred_at?: string;
  notification_id?: string;
  data: Record<string, any>;
}

const EVENT_TTL_SECONDS = 7 * 86_400;
const MICROS_PER_CENT = 10_000;

export class PaddleWebhookHandler {
  constructor(
    private readonly context: ServerContext,
    private readonly paddle: PaddleApi,
  ) {}

  async handle(event: PaddleEventEnvelope): Promise<WebhookOutcome> {
    const { store, logger } = this.context;
    const claimed = await store.claimIdempotent('paddle_event', event.event_id, event.event_id, EVENT_TTL_SECONDS);
    if (claimed?.state === 'done') return 'duplicate';
    // 'pending': another delivery of this event is running right now. Processing it
    // again is safe (every change is keyed) and never loses it if that one fails.
    const first = claimed === null;
    let outcome: WebhookOutcome;
    try {
      outcome = await this.dispatch(event);
    } catch (error) {
      if (first) await store.releaseIdempotent('paddle_event', event.event_id);
      throw error;
    }
    if (first) await store.saveIdempotent('paddle_event', event.event_id, event.event_id, 200, JSON.stringify({ outcome }), EVENT_TTL_SECONDS);
    logger.info({ paddle_event_id: event.event_id, event_type: event.event_type, outcome }, 'paddle event');
    return outcome;
  }

  private async dispatch(event: PaddleEventEnvelope): Promise<WebhookOutcome> {
    switch (event.event_type) {
      case 'transaction.completed':
        return this.creditTransaction(String(event.data.id ?? ''), event.data.custom_data ?? null);
      case 'adjustment.created':
      case 'adjustment.updated':
        return this.applyAdjustment(event.data);
      default:
        this.context.logger.info({ paddle_event_id: event.event_id, event_type: event.event_type }, 'paddle event type not handled: ignored');
        return 'ignored';
    }
  }

  /** The top-up a transaction's custom data names, when it is ours. */
  private async topupOf(transactionId: string, customData: Record<string, unknown> | null): Promise<Topup | null> {
    const accountId = typeof customData?.account_id === 'string' ? customData.account_id : null;
    const topupId = typeof customData?.topup_id === 'string' ? customData.topup_id : null;
    const topup = topupId ? await this.context.store.getTopup(topupId) : null;
    if (!topup || topup.account_id !== accountId || topup.method !== 'paddle') {
      this.context.logger.warn({ transaction_id: transactionId, topup_id: topupId }, 'paddle transaction names no top-up of ours: ignored');
      return null;
    }
    return topup;
  }

  async creditTransaction(transactionId: string, customData: Record<string, unknown> | null): Promise<WebhookOutcome> {
    const topup = await this.topupOf(transactionId, customData);
    if (!topup || !transactionId) return 'ignored';
    const result = await applyPaymentChange(
      this.context,
      {
        account_id: topup.account_id,
        kind: 'credit',
        amount_micros: topup.amount_micros,
        reason: `Card top-up ${topup.id} (Paddle ${transactionId})`,
        external_ref: ledgerRefs.paddleTransaction(transactionId),
      },
      { method: 'paddle' },
    );
    if (!result.ok) {
      this.context.logger.error({ transaction_id: transactionId, topup_id: topup.id, reason: result.reason }, 'paddle credit not applied');
      return 'ignored';
    }
    // Mark the top-up completed unless a refund got there first (repairs a crash between the two writes too).
    if (topup.status === 'pending' || topup.status === 'failed' || topup.status === 'expired') {
      await this.context.store.updateTopup(topup.id, {
        status: 'completed',
        provider_ref: transactionId,
        ledger_entry_id: result.entry.id,
        completed_at: result.entry.created_at,
      });
    }
    return result.applied ? 'credited' : 'duplicate';
  }

  private async applyAdjustment(adjustment: Record<string, any>): Promise<WebhookOutcome> {
    const { logger } = this.context;
    const action = String(adjustment.action ?? '');
    const status = String(adjustment.status ?? '');
    const adjustmentId = String(adjustment.id ?? '');
    const transactionId = String(adjustment.transaction_id ?? '');
    if (!['refund', 'chargeback', 'chargeback_reverse'].includes(action) || !adjustmentId || !transactionId) {
      logger.info({ adjustment_id: adjustmentId, action }, 'paddle adjustment action not handled: ignored');
      return 'ignored';
    }
    if (status === 'pending_approval') return 'deferred'; // its adjustment.updated (approved or rejected) follows
    if (status !== 'approved') return 'ignored';

    const transaction = await this.paddle.getTransaction(transactionId);
    if (!transaction) {
      logger.warn({ adjustment_id: adjustmentId, transaction_id: transactionId }, 'paddle adjustment for an unknown transaction: ignored');
      return 'ignored';
    }
    const topup = await this.topupOf(transactionId, transaction.customData);
    if (!topup) return 'ignored';

    // Out of order: a refund exists only for a paid transaction; land its credit first.
    await this.creditTransaction(transactionId, transaction.customData);

    const amountMicros = this.adjustmentMicros(topup, adjustment, transaction.grandTotal);
    if (amountMicros <= 0) return 'ignored';
    const reversal = action === 'chargeback_reverse';
    const result = await applyPaymentChange(
      this.context,
      {
        account_id: topup.account_id,
        kind: 'adjustment',
        amount_micros: reversal ? amountMicros : -amountMicros,
        reason: `${reversal ? 'Chargeback reversed' : action === 'refund' ? 'Card refund' : 'Chargeback'} of top-up ${topup.id} (Paddle ${adjustmentId})`,
        external_ref: ledgerRefs.paddleAdjustment(adjustmentId),
        ...(reversal ? {} : { on_insufficient: 'clamp_and_suspend' as const }),
      },
      reversal ? { method: 'paddle' } : null,
    );
    if (!result.ok) {
      logger.error({ adjustment_id: adjustmentId, reason: result.reason }, 'paddle adjustment not applied');
      return 'ignored';
    }
    if (result.applied) {
      const fullyReversed = !reversal && amountMicros >= topup.amount_micros;
      if (fullyReversed) await this.context.store.updateTopup(topup.id, { status: 'refunded' });
      if (reversal) {
        const current = await this.context.store.getTopup(topup.id);
        if (current?.status === 'refunded') await this.context.store.updateTopup(topup.id, { status: 'completed' });
      }
    }
    if (!result.applied) return 'duplicate';
    return reversal ? 'credited' : 'debited';
  }

  /**
   * The share of the top-up an adjustment reverses: its total over the transaction's
   * grand total (both in the same currency and minor units), so tax and currency do not
   * matter; a full adjustment is the whole top-up.
   */
  private adjustmentMicros(topup: Topup, adjustment: Record<string, any>, grandTotal: string | null): number {
    const adjustmentTotal = Number(adjustment.totals?.total ?? NaN);
    const transactionTotal = Number(grandTotal ?? NaN);
    if (adjustment.type === 'full' || !Number.isFinite(adjustmentTotal)) return topup.amount_micros;
    if (Number.isFinite(transactionTotal) && transactionTotal > 0) {
      return Math.min(topup.amount_micros, Math.round((topup.amount_micros * adjustmentTotal) / transactionTotal));
    }
    return Math.min(topup.amount_micros, adjustmentTotal * MICROS_PER_CENT);
  }
}
