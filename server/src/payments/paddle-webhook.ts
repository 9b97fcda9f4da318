/**
 * Paddle notifications, after the signature is verified (`paddle-signature.ts`):
 *
 * - `transaction.completed` credits a top-up only when the transaction is the one kikuai
 *   created for it (its id is the top-up's `provider_ref`, recorded at creation) and it
 *   cost what the top-up asked (USD; `paddleAmountMismatch`). `custom_data` only points
 *   at the top-up: whoever opens a checkout controls it. The status change pending →
 *   completed and the credit (ledger ref `paddle:<txn>`) are one atomic store change
 *   (`completeTopup`): a top-up is credited once, whichever transaction or delivery comes.
 *   A mismatch credits nothing, is kept for the operator (`incidents.ts`) and answered
 *   200 `refused`, so Paddle does not retry it.
 * - `adjustment.created` / `adjustment.updated` with action `refund` or `chargeback` and
 *   status `approved` debit once per adjustment id (`paddle:adj:<id>`) with
 *   `clamp_and_suspend`: if the balance no longer covers it, the balance is taken to 0
 *   and the account suspended until the operator settles it. `chargeback_reverse`
 *   (approved) credits back once. Other actions and statuses are acknowledged.
 * - Out of order: an adjustment carries only its transaction id, so the transaction is
 *   fetched from Paddle's API. A refund exists only for a paid transaction, so when the
 *   top-up is not completed yet it is completed first (same checks, same atomic
 *   change): the late `transaction.completed` then finds it completed and credits nothing.
 * - Each event id is processed once (`claimIdempotent`, kept 7 days: Paddle retries
 *   for 3); correctness never depends on it, since every ledger change is keyed.
 *
 * Unknown event types: acknowledged (200), logged, ignored. Everything here is a few
 * store round trips and at most one Paddle API call: well within Paddle's 5 seconds.
 */
import type { IAdjustmentNotificationResponse, ITransactionNotificationResponse } from '@paddle/paddle-node-sdk';
import type { components } from '@kikuai/sdk/contract';
import type { ServerContext } from '../context.js';
import type { Topup } from '../store/types.js';
import type { PaddleApi, PaddleTotals } from './paddle-api.js';
import { announceCredit, reportBalanceLimit, applyPaymentChange, ledgerRefs } from './ledger.js';
import { reportIncident } from './incidents.js';

export type WebhookOutcome = 'credited' | 'debited' | 'duplicate' | 'ignored' | 'deferred' | 'refused';

/** What a completed transaction says about itself: from the event, or from Paddle's API. */
export interface TransactionFacts {
  id: string;
  customData: Record<string, unknown> | null;
  currencyCode: string | null;
  totals: PaddleTotals | null;
}

const MICROS_PER_CENT = 10_000;
const minorUnits = (value: unknown): number | null => (typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : null);

/**
 * Why a transaction does not pay for a top-up, or null when it does. Compared in USD
 * cents against the top-up's amount:
 * - `details.totals.total` (after discount and tax, before credits): the customer paid
 *   the top-up's amount, tax inside it — our prices are tax-inclusive (`taxMode:
 *   'internal'`), so this holds in every country, while `subtotal` there is the amount
 *   less a tax that varies by country;
 * - or `subtotal − discount`: the amount before tax, with tax added on top (a price
 *   whose tax mode adds tax, as Paddle does by location in the US): `total` and
 *   `grand_total` then vary by country, the price does not.
 * `grand_total` is not compared: it is after the customer's Paddle credit balance, real
 * money paid before. A discount that lowers the price matches neither.
 */
export function paddleAmountMismatch(topup: Topup, facts: TransactionFacts): string | null {
  const currency = facts.currencyCode ?? facts.totals?.currencyCode ?? null;
  if (currency !== 'USD' || (facts.totals?.currencyCode && facts.totals.currencyCode !== 'USD')) {
    return `The transaction is in ${currency ?? 'no currency'}; the top-up asked USD.`;
  }
  const cents = topup.amount_micros / MICROS_PER_CENT;
  const totals = facts.totals;
  const subtotal = minorUnits(totals?.subtotal);
  const discount = minorUnits(totals?.discount ?? '0');
  const total = minorUnits(totals?.total);
  if (subtotal === null || discount === null || total === null) return `The transaction's totals are missing or malformed; the top-up asked ${cents} cents.`;
  if (total === cents || subtotal - discount === cents) return null;
  return `The transaction's totals are subtotal ${subtotal}, discount ${discount}, tax ${totals!.tax}, total ${total} (cents); the top-up asked ${cents} cents.`;
}

/** A Paddle notification, as openapi.yaml's `PaddleEvent` describes it (the envelope; `data` depends on `event_type`). */
export type PaddleEvent = components['schemas']['PaddleEvent'];
/**
 * `data` of the events handled, as Paddle's SDK types them (snake_case, as delivered).
 * Partial: the spec checks only the envelope, so every field is read as possibly missing.
 */
export type TransactionEventData = Partial<ITransactionNotificationResponse>;
export type AdjustmentEventData = Partial<IAdjustmentNotificationResponse>;

/** The facts of a transaction as a webhook event carries them (snake_case, `details.totals`). */
export function transactionFactsOfEvent(data: TransactionEventData): TransactionFacts {
  const totals = data.details?.totals;
  return {
    id: String(data.id ?? ''),
    customData: data.custom_data && typeof data.custom_data === 'object' ? data.custom_data : null,
    currencyCode: typeof data.currency_code === 'string' ? data.currency_code : null,
    totals: totals
      ? {
          subtotal: totals.subtotal,
          discount: totals.discount,
          tax: totals.tax,
          total: totals.total,
          currencyCode: typeof totals.currency_code === 'string' ? totals.currency_code : null,
        }
      : null,
  };
}

const EVENT_TTL_SECONDS = 7 * 86_400;

export class PaddleWebhookHandler {
  constructor(
    private readonly context: ServerContext,
    private readonly paddle: PaddleApi,
  ) {}

  async handle(event: PaddleEvent): Promise<WebhookOutcome> {
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

  private async dispatch(event: PaddleEvent): Promise<WebhookOutcome> {
    // `data` is read as Paddle documents it for the event type (every field possibly missing).
    switch (event.event_type) {
      case 'transaction.completed':
        return this.creditTransaction(transactionFactsOfEvent(event.data));
      case 'adjustment.created':
      case 'adjustment.updated':
        return this.applyAdjustment(event.data);
      default:
        this.context.logger.info({ paddle_event_id: event.event_id, event_type: event.event_type }, 'paddle event type not handled: ignored');
        return 'ignored';
    }
  }

  /** The top-up a transaction's custom data names, when it is one of ours (it proves nothing yet). */
  private async topupOf(transactionId: string, customData: Record<string, unknown> | null): Promise<Topup | null> {
    const accountId = typeof customData?.account_id === 'string' ? customData.account_id : null;
    const topupId = typeof customData?.topup_id === 'string' ? customData.topup_id : null;
    const topup = topupId && /^top_[A-Za-z0-9]{1,64}$/.test(topupId) ? await this.context.store.getTopup(topupId) : null;
    if (!topup || topup.account_id !== accountId || topup.method !== 'paddle') {
      this.context.logger.warn({ transaction_id: transactionId, topup_id: topupId }, 'paddle transaction names no top-up of ours: ignored');
      return null;
    }
    return topup;
  }

  /** Whether this is the transaction kikuai created for the top-up; when not, an incident is kept. */
  private async isBound(topup: Topup, facts: TransactionFacts): Promise<boolean> {
    if (topup.provider_ref !== facts.id) {
      await reportIncident(this.context, {
        id: `paddle_txn:${facts.id}:${topup.id}`,
        kind: 'paddle_transaction_mismatch',
        account_id: topup.account_id,
        topup_id: topup.id,
        detail: `Paddle transaction ${facts.id} names top-up ${topup.id}, which kikuai created with transaction ${topup.provider_ref ?? '(none recorded)'}.`,
      });
      return false;
    }
    return true;
  }

  async creditTransaction(facts: TransactionFacts): Promise<WebhookOutcome> {
    const topup = await this.topupOf(facts.id, facts.customData);
    if (!topup || !facts.id) return 'ignored';
    if (!(await this.isBound(topup, facts))) return 'refused';
    return this.completeTopup(topup, facts);
  }

  /** Checks what the transaction cost, then completes and credits the top-up in one atomic change. */
  private async completeTopup(topup: Topup, facts: TransactionFacts): Promise<WebhookOutcome> {
    if (topup.status === 'completed' || topup.status === 'refunded') return 'duplicate';
    const mismatch = paddleAmountMismatch(topup, facts);
    if (mismatch) {
      await reportIncident(this.context, {
        id: `paddle_amount:${facts.id}`,
        kind: 'paddle_amount_mismatch',
        account_id: topup.account_id,
        topup_id: topup.id,
        detail: `Paddle transaction ${facts.id} does not pay top-up ${topup.id}: ${mismatch}`,
      });
      return 'refused';
    }
    const result = await this.context.store.completeTopup(
      {
        topup_id: topup.id,
        credit: {
          amount_micros: topup.amount_micros,
          reason: `Card top-up ${topup.id} (Paddle ${facts.id})`,
          external_ref: ledgerRefs.paddleTransaction(facts.id),
        },
      },
      this.context.now().toISOString(),
    );
    if (!result.ok && result.reason === 'balance_limit_exceeded') {
      await reportBalanceLimit(
        this.context,
        { account_id: topup.account_id, topup_id: topup.id, external_ref: ledgerRefs.paddleTransaction(facts.id), amount_micros: topup.amount_micros },
        result,
      );
      return 'refused';
    }
    if (!result.ok) {
      this.context.logger.error({ transaction_id: facts.id, topup_id: topup.id, reason: result.reason }, 'paddle credit not applied');
      return 'ignored';
    }
    if (!result.applied) return 'duplicate';
    announceCredit(this.context, topup.account_id, topup.amount_micros, result, { method: 'paddle' });
    return 'credited';
  }

  private async applyAdjustment(adjustment: AdjustmentEventData): Promise<WebhookOutcome> {
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
    const facts: TransactionFacts = {
      id: transaction.id,
      customData: transaction.customData,
      currencyCode: transaction.currencyCode,
      totals: transaction.totals,
    };
    const topup = await this.topupOf(transactionId, facts.customData);
    if (!topup || !(await this.isBound(topup, facts))) return 'ignored';

    // Out of order: a refund exists only for a paid transaction; complete the top-up first
    // (same checks, same atomic change). Only what this transaction credited is reversed.
    await this.completeTopup(topup, facts);
    if (!(await this.context.store.findLedgerEntry(topup.account_id, ledgerRefs.paddleTransaction(transactionId)))) {
      logger.warn(
        { adjustment_id: adjustmentId, transaction_id: transactionId, topup_id: topup.id },
        'paddle adjustment of a transaction that credited nothing: ignored',
      );
      return 'ignored';
    }

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
  private adjustmentMicros(topup: Topup, adjustment: AdjustmentEventData, grandTotal: string | null): number {
    const adjustmentTotal = Number(adjustment.totals?.total ?? NaN);
    const transactionTotal = Number(grandTotal ?? NaN);
    if (adjustment.type === 'full' || !Number.isFinite(adjustmentTotal)) return topup.amount_micros;
    if (Number.isFinite(transactionTotal) && transactionTotal > 0) {
      return Math.min(topup.amount_micros, Math.round((topup.amount_micros * adjustmentTotal) / transactionTotal));
    }
    return Math.min(topup.amount_micros, adjustmentTotal * MICROS_PER_CENT);
  }
}
