/**
 * Telegram Stars. The bot owns Telegram's update stream (a token has one consumer), so
 * it reports what Telegram tells it through the API, as the user it acts for:
 *
 * - `checkStarsPreCheckout`: ok only when the invoice payload names a pending Stars
 *   top-up of this user, the currency is XTR and the amount is the invoice's;
 * - `recordStarsPayment`: credits once per `telegram_payment_charge_id` across all
 *   accounts: the charge's owner (account and top-up) is recorded globally before the
 *   credit (`claimStarsCharge`, the first record stands) and checked on every retry; the
 *   credit itself is keyed `stars:<charge id>` in the owner's ledger. Never keyed by the
 *   payload: one invoice can be paid more than once, and every charge is real money, so
 *   a second charge is credited too and the top-up lists both charges (`provider_ref`,
 *   space-separated). A charge whose payload names no top-up of this user is still
 *   credited, under a top-up record of its own (id derived from the charge id). A charge
 *   of more Stars than its invoice, or than Telegram allows for one invoice, credits
 *   nothing (409) and is kept for the operator, as is a charge another account owns;
 * - `recordStarsRefund` and the operator's `adminRefundTopup` (through Telegram's
 *   `refundStarPayment`): debit what the charge credited, once per charge
 *   (`stars_refund:<charge id>`), with `clamp_and_suspend`, found from the charge id
 *   alone (the payload is optional). The user is told ("refunded", then any "balance
 *   used up", in that order). A refund of a charge kikuai never recorded is a final 404,
 *   kept for the operator.
 */
import { createHash } from 'node:crypto';
import type { components } from '@kikuai/sdk/contract';
import type { ServerContext } from '../context.js';
import { ApiProblem, balanceLimitProblem } from '../http/problem.js';
import type { Account, ChangeAudit, LedgerEntry, Topup } from '../store/types.js';
import { formatUsd } from '@kikuai/sdk';
import { announceCredit, applyPaymentChange, ledgerRefs, reportBalanceLimit } from './ledger.js';
import { reportIncident } from './incidents.js';
import { MAX_STARS_PER_INVOICE, pendingTopup } from './topups.js';
import { BotApiError, type BotApi } from '../telegram/bot-api.js';

export interface StarsPaymentReport {
  invoice_payload: string;
  currency: string;
  total_amount: number;
  telegram_payment_charge_id: string;
  provider_payment_charge_id?: string;
}

/** Why a pre-checkout query is refused: the spec's `StarsPreCheckoutResult.reason`. */
export type PreCheckoutRefusal = NonNullable<components['schemas']['StarsPreCheckoutResult']['reason']>;
export type PreCheckoutResult = { ok: true } | { ok: false; reason: PreCheckoutRefusal };

export interface StarsOutcome {
  applied: boolean;
  topup: Topup;
  entry: LedgerEntry | null;
  balance_micros: number;
}

const chargesOf = (topup: Topup) => (topup.provider_ref ? topup.provider_ref.split(' ').filter(Boolean) : []);

/** The top-up record of a charge whose payload names no top-up of the payer. */
export const orphanTopupId = (chargeId: string) => `top_x${createHash('sha256').update(chargeId).digest('hex').slice(0, 40)}`;

export class StarsPayments {
  constructor(
    private readonly context: ServerContext,
    private readonly botApi: BotApi,
  ) {}

  /** Whether to accept a pre-checkout query, and the reason when not (the bot words it for the payer). */
  async preCheckout(account: Account | null, query: components['schemas']['StarsPreCheckoutRequest']): Promise<PreCheckoutResult> {
    const refuse = (reason: PreCheckoutRefusal): PreCheckoutResult => {
      this.context.logger.info({ account_id: account?.id ?? null, reason }, 'stars pre-checkout refused');
      return { ok: false, reason };
    };
    if (!account) return refuse('no_account');
    if (query.currency !== 'XTR') return refuse('wrong_currency');
    const topup = /^top_[A-Za-z0-9]{1,64}$/.test(query.invoice_payload) ? await this.context.store.getTopup(query.invoice_payload) : null;
    if (!topup || topup.account_id !== account.id || topup.method !== 'stars') return refuse('unknown_invoice');
    if (topup.status !== 'pending') return refuse('not_pending');
    if (topup.stars !== query.total_amount || query.total_amount > MAX_STARS_PER_INVOICE) return refuse('wrong_amount');
    return { ok: true };
  }

  async recordPayment(account: Account, payment: StarsPaymentReport): Promise<StarsOutcome> {
    const { store, config } = this.context;
    if (payment.currency !== 'XTR') {
      throw new ApiProblem(400, 'validation_failed', `body/currency must be XTR (Telegram Stars); got ${payment.currency}.`);
    }
    const chargeId = payment.telegram_payment_charge_id;
    const named = /^top_[A-Za-z0-9]{1,64}$/.test(payment.invoice_payload) ? await store.getTopup(payment.invoice_payload) : null;
    const ours = named && named.account_id === account.id && named.method === 'stars' ? named : null;
    if (payment.total_amount > MAX_STARS_PER_INVOICE || (ours?.stars != null && payment.total_amount > ours.stars)) {
      const limit =
        ours?.stars != null && ours.stars < MAX_STARS_PER_INVOICE
          ? `its invoice's ${ours.stars}`
          : `the ${MAX_STARS_PER_INVOICE} Telegram allows for one invoice`;
      await reportIncident(this.context, {
        id: `stars_amount:${chargeId}`,
        kind: 'stars_amount_refused',
        account_id: account.id,
        topup_id: ours?.id ?? null,
        detail: `Stars charge ${chargeId} reports ${payment.total_amount} Stars, more than ${limit}.`,
      });
      throw new ApiProblem(
        409,
        'stars_amount_refused',
        `This payment reports ${payment.total_amount} Stars, more than ${limit}. Nothing was credited; the operator was told.`,
      );
    }

    // The charge's owner, recorded once across all accounts before anything is credited.
    const claim = await store.claimStarsCharge({
      charge_id: chargeId,
      account_id: account.id,
      topup_id: ours?.id ?? orphanTopupId(chargeId),
      created_at: this.context.now().toISOString(),
    });
    if (claim.charge.account_id !== account.id) {
      await reportIncident(this.context, {
        id: `stars_charge:${chargeId}:${account.id}`,
        kind: 'stars_charge_conflict',
        account_id: account.id,
        topup_id: ours?.id ?? null,
        detail: `Stars charge ${chargeId} was reported for account ${account.id}, but it was recorded for account ${claim.charge.account_id} (top-up ${claim.charge.topup_id}).`,
      });
      throw new ApiProblem(409, 'stars_charge_conflict', 'This Stars payment was recorded for another account. Nothing was credited; the operator was told.');
    }
    const recorded = claim.charge.topup_id === ours?.id ? ours : await store.getTopup(claim.charge.topup_id);
    const topup = recorded ?? (await this.orphanTopup(account, chargeId, payment.total_amount, payment.total_amount * config.topups.microsPerStar));
    // What this charge buys: the invoice's value when it is the invoice's amount, else the Stars at today's rate.
    const amountMicros = topup.stars === payment.total_amount ? topup.amount_micros : payment.total_amount * config.topups.microsPerStar;
    const credit = {
      amount_micros: amountMicros,
      reason: `Telegram Stars top-up ${topup.id} (${payment.total_amount} Stars)`,
      external_ref: ledgerRefs.starsCharge(chargeId),
    };
    const now = this.context.now().toISOString();

    // The first charge of a pending top-up completes it: status and credit in one change.
    if (topup.status === 'pending') {
      const completed = await store.completeTopup({ topup_id: topup.id, credit, provider_ref: chargeId }, now);
      if (!completed.ok && completed.reason === 'balance_limit_exceeded') {
        await reportBalanceLimit(
          this.context,
          { account_id: account.id, topup_id: topup.id, external_ref: credit.external_ref, amount_micros: amountMicros },
          completed,
        );
        throw balanceLimitProblem('This payment', completed);
      }
      if (!completed.ok) throw new ApiProblem(404, 'account_not_found', 'The account no longer exists.');
      if (completed.applied) {
        // The bot tells the user in the chat where they paid; only a crossing is announced here.
        announceCredit(this.context, account.id, amountMicros, completed, null);
        return { applied: true, topup: completed.topup, entry: completed.entry, balance_micros: completed.balance_micros };
      }
      if (completed.reason === 'repaired') return { applied: false, topup: completed.topup, entry: completed.entry, balance_micros: completed.balance_micros };
      // Another charge completed it meanwhile: this one is credited as a further payment below.
    }

    const result = await applyPaymentChange(this.context, { account_id: account.id, kind: 'credit', ...credit }, null);
    if (!result.ok && result.reason === 'balance_limit_exceeded') throw balanceLimitProblem('This payment', result);
    if (!result.ok) throw new ApiProblem(404, 'account_not_found', 'The account no longer exists.');
    const current = (await store.getTopup(topup.id)) ?? topup;
    const charges = chargesOf(current);
    let updated = current;
    if (!charges.includes(chargeId)) {
      if (charges.length > 0)
        this.context.logger.warn({ topup_id: topup.id, charges: charges.length + 1 }, 'stars invoice paid more than once: every charge credited');
      updated = (await store.updateTopup(topup.id, { provider_ref: [...charges, chargeId].join(' ') }))!;
    }
    return { applied: result.applied, topup: updated, entry: result.entry, balance_micros: result.balance_micros };
  }

  private async orphanTopup(account: Account, chargeId: string, stars: number, amountMicros: number): Promise<Topup> {
    const id = orphanTopupId(chargeId);
    const existing = await this.context.store.getTopup(id);
    if (existing) return existing;
    this.context.logger.warn({ account_id: account.id, topup_id: id }, 'stars charge names no pending top-up of the payer: credited under its own top-up');
    try {
      return await this.context.store.createTopup(
        pendingTopup({ id, account_id: account.id, method: 'stars', amount_micros: amountMicros, stars, created_at: this.context.now().toISOString() }),
      );
    } catch (error) {
      // A concurrent report of the same charge created it first.
      const raced = await this.context.store.getTopup(id);
      if (raced) return raced;
      throw error;
    }
  }

  /** The top-up a charge was credited to, from the charge record (or, for charges recorded before it existed, the payload or the charge's own top-up). */
  private async topupOfCharge(account: Account, chargeId: string, payload: string | undefined): Promise<Topup | null> {
    const charge = await this.context.store.getStarsCharge(chargeId);
    if (charge) {
      const topup = charge.account_id === account.id ? await this.context.store.getTopup(charge.topup_id) : null;
      return topup && topup.account_id === account.id ? topup : null;
    }
    const candidates = [payload && /^top_[A-Za-z0-9]{1,64}$/.test(payload) ? payload : null, orphanTopupId(chargeId)];
    for (const id of candidates) {
      if (!id) continue;
      const topup = await this.context.store.getTopup(id);
      if (topup && topup.account_id === account.id && chargesOf(topup).includes(chargeId)) return topup;
    }
    return null;
  }

  /** Debits what a charge credited, once. The charge must have been recorded for this account; an unknown one is final (404) and kept for the operator. */
  async recordRefund(
    account: Account,
    refund: { telegram_payment_charge_id: string; invoice_payload?: string; total_amount?: number },
    reason?: string,
    audit?: ChangeAudit,
  ): Promise<StarsOutcome> {
    const chargeId = refund.telegram_payment_charge_id;
    const credit = await this.context.store.findLedgerEntry(account.id, ledgerRefs.starsCharge(chargeId));
    const topup = credit ? await this.topupOfCharge(account, chargeId, refund.invoice_payload) : null;
    if (!credit || !topup) {
      await reportIncident(this.context, {
        id: `stars_refund:${chargeId}`,
        kind: 'stars_refund_unknown_charge',
        account_id: account.id,
        topup_id: null,
        detail: `Telegram reported a refund of Stars charge ${chargeId}${refund.total_amount ? ` (${refund.total_amount} Stars)` : ''} to the user of account ${account.id}, but kikuai never credited that charge to this account: nothing was debited.`,
      });
      throw new ApiProblem(
        404,
        'not_found',
        'No Stars payment with this telegram_payment_charge_id was recorded for this user. Nothing was debited; the operator was told.',
      );
    }
    const stars = refund.total_amount ?? (credit.amount_micros === topup.amount_micros ? topup.stars : null);
    const result = await applyPaymentChange(
      this.context,
      {
        account_id: account.id,
        kind: 'adjustment',
        amount_micros: -credit.amount_micros,
        reason: `Telegram Stars refund of top-up ${topup.id}${reason ? `: ${reason}` : ''}`,
        external_ref: ledgerRefs.starsRefund(chargeId),
        on_insufficient: 'clamp_and_suspend',
      },
      { refunded: { stars } },
    );
    if (!result.ok) throw new ApiProblem(404, 'account_not_found', 'The account no longer exists.');
    let updated = topup;
    if (result.applied && topup.status !== 'refunded') {
      // Every charge of the top-up refunded: the top-up is refunded.
      const refunds = await Promise.all(chargesOf(topup).map((charge) => this.context.store.findLedgerEntry(account.id, ledgerRefs.starsRefund(charge))));
      if (refunds.every(Boolean)) updated = (await this.context.store.updateTopup(topup.id, { status: 'refunded' }, audit))!;
    }
    return { applied: result.applied, topup: updated, entry: result.entry, balance_micros: result.balance_micros };
  }

  /** The operator refunds every charge of a completed Stars top-up through Telegram, then debits once per charge. */
  /** `audit`: the operator's request, recorded with the top-up's change to `refunded`. */
  async adminRefund(topupId: string, reason: string | undefined, audit?: ChangeAudit): Promise<StarsOutcome> {
    const { store, logger } = this.context;
    const topup = await store.getTopup(topupId);
    if (!topup) throw new ApiProblem(404, 'not_found', 'This top-up was not found.');
    if (topup.method !== 'stars') {
      throw new ApiProblem(
        400,
        'validation_failed',
        "Only Stars top-ups are refunded here. Refund card payments in Paddle's dashboard: its webhook debits the account.",
      );
    }
    const charges = chargesOf(topup);
    if (charges.length === 0 || (topup.status !== 'completed' && topup.status !== 'refunded')) {
      throw new ApiProblem(409, 'topup_not_pending', `Only a paid Stars top-up can be refunded; this one is ${topup.status}.`);
    }
    const account = await store.getAccount(topup.account_id);
    if (!account) throw new ApiProblem(404, 'account_not_found', 'The account of this top-up no longer exists.');
    let last: StarsOutcome | null = null;
    for (const chargeId of charges) {
      const alreadyDebited = await store.findLedgerEntry(account.id, ledgerRefs.starsRefund(chargeId));
      if (!alreadyDebited) {
        try {
          await this.botApi.call('refundStarPayment', { user_id: account.telegram_id, telegram_payment_charge_id: chargeId });
        } catch (error) {
          const refundedBefore = error instanceof BotApiError && /CHARGE_ALREADY_REFUNDED/i.test(error.description);
          if (!refundedBefore) {
            logger.error({ topup_id: topup.id, error: (error as Error).message }, 'stars refund refused by Telegram');
            const detail = error instanceof BotApiError ? error.description : 'unreachable';
            throw new ApiProblem(502, 'payment_provider_error', `Telegram refused the refund (${detail}). Nothing was debited.`);
          }
        }
      }
      last = await this.recordRefund(account, { telegram_payment_charge_id: chargeId, invoice_payload: topup.id }, reason, audit);
    }
    logger.info({ topup_id: topup.id, charges: charges.length, amount: formatUsd(topup.amount_micros) }, 'stars top-up refunded by the operator');
    return last!;
  }
}
