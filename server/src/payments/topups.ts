/**
 * Starting a top-up: a pending top-up record, then the provider's page to pay it — a
 * Paddle checkout (a transaction with a non-catalog price for the amount and our ids in
 * its top-level `custom_data`) or a Telegram Stars invoice link (`createInvoiceLink`,
 * XTR, empty provider token, one price, payload = the top-up id). The balance moves only
 * when the provider confirms (the Paddle webhook, the bot's Stars report).
 *
 * Telegram's rules: digital goods inside a bot or Mini App are paid in Stars, so callers
 * inside Telegram (bot service, Mini App initData) are not offered Paddle unless the
 * operator enables it (`KIKUAI_PADDLE_IN_TELEGRAM`).
 */
import type { components } from '@kikuai/sdk/contract';
import type { ServerContext } from '../context.js';
import type { Caller } from '../auth/authenticate.js';
import { ApiProblem, balanceLimitProblem } from '../http/problem.js';
import { newTopupId } from '../store/ids.js';
import type { Account, Topup, TopupMethod } from '../store/types.js';
import { formatUsd } from '@kikuai/sdk';
import { languageOf, messages } from '../notifications/messages.js';
import type { PaddleApi } from './paddle-api.js';
import { PaddleCallError } from './paddle-api.js';
import { BotApiError, type BotApi } from '../telegram/bot-api.js';

const MICROS_PER_CENT = 10_000;

/**
 * The most Stars one invoice may ask: 10,000. Telegram's Bot API documents this cap for
 * a Stars price where it states one (createInvoiceLink: "Subscription price must not
 * exceed 10000 Telegram Stars"; createChatSubscriptionInviteLink: subscription_price
 * "1-10000"; https://core.telegram.org/bots/api#createinvoicelink) and names no higher
 * one for a one-off invoice, so kikuai asks no more and credits no more. The spec's Stars
 * amounts carry the same maximum.
 */
export const MAX_STARS_PER_INVOICE = 10_000;

/** A top-up waiting for its payment. */
export function pendingTopup(fields: Pick<Topup, 'id' | 'account_id' | 'method' | 'amount_micros' | 'stars' | 'created_at'>): Topup {
  return { ...fields, status: 'pending', checkout_url: null, invoice_link: null, provider_ref: null, ledger_entry_id: null, completed_at: null };
}

export function isInsideTelegram(caller: Caller | undefined): boolean {
  return caller?.kind === 'bot_service' || caller?.kind === 'telegram_init_data';
}

export class TopupService {
  constructor(
    private readonly context: ServerContext,
    private readonly paddle: PaddleApi,
    private readonly botApi: BotApi,
  ) {}

  /** The methods offered to this caller, preferred first. */
  methodsFor(caller: Caller | undefined): TopupMethod[] {
    const { topups } = this.context.config;
    const methods: TopupMethod[] = [];
    if (isInsideTelegram(caller)) {
      if (this.botApi.configured) methods.push('stars');
      if (topups.paddleInTelegram && this.paddle.configured) methods.push('paddle');
    } else {
      if (this.paddle.configured) methods.push('paddle');
      if (this.botApi.configured) methods.push('stars');
    }
    return methods;
  }

  options(caller: Caller | undefined): components['schemas']['TopupOptions'] {
    const { topups } = this.context.config;
    return {
      currency: 'USD' as const,
      min_micros: topups.minMicros,
      max_micros: topups.maxMicros,
      stars_max_micros: Math.min(topups.maxMicros, MAX_STARS_PER_INVOICE * topups.microsPerStar),
      presets_micros: topups.presetsMicros,
      methods: this.methodsFor(caller),
      micros_per_star: topups.microsPerStar,
    };
  }

  starsFor(amountMicros: number): number {
    return Math.ceil(amountMicros / this.context.config.topups.microsPerStar);
  }

  /** Throws the 4xx/503 a request for this method and amount deserves; passes otherwise. */
  check(caller: Caller | undefined, method: TopupMethod, amountMicros: number): void {
    const { topups } = this.context.config;
    if (method === 'paddle' && isInsideTelegram(caller) && !topups.paddleInTelegram) {
      throw new ApiProblem(
        403,
        'payment_method_unavailable',
        'Inside Telegram, top-ups are paid with Telegram Stars (method "stars"); card payments (method "paddle") are offered to callers outside Telegram.',
      );
    }
    const configured = method === 'paddle' ? this.paddle.configured : this.botApi.configured;
    if (!configured) {
      throw new ApiProblem(
        503,
        'payment_method_unavailable',
        method === 'paddle'
          ? 'Card payments are not configured on this server (PADDLE_API_KEY). Try Telegram Stars.'
          : 'Telegram Stars are not configured on this server (TELEGRAM_BOT_TOKEN).',
      );
    }
    if (amountMicros < topups.minMicros || amountMicros > topups.maxMicros) {
      throw new ApiProblem(
        400,
        'invalid_amount',
        `A top-up is between ${formatUsd(topups.minMicros)} and ${formatUsd(topups.maxMicros)} (amount_micros ${topups.minMicros}…${topups.maxMicros}); got ${amountMicros}.`,
        { min_micros: topups.minMicros, max_micros: topups.maxMicros },
      );
    }
    if (method === 'stars' && this.starsFor(amountMicros) > MAX_STARS_PER_INVOICE) {
      const maxMicros = MAX_STARS_PER_INVOICE * topups.microsPerStar;
      throw new ApiProblem(
        400,
        'invalid_amount',
        `One Telegram Stars invoice is at most ${MAX_STARS_PER_INVOICE} Stars (${formatUsd(maxMicros)}); got ${amountMicros} micro-USD (${this.starsFor(amountMicros)} Stars).`,
        { min_micros: topups.minMicros, max_micros: Math.min(topups.maxMicros, maxMicros) },
      );
    }
    if (method === 'paddle' && amountMicros % MICROS_PER_CENT !== 0) {
      throw new ApiProblem(400, 'invalid_amount', `Card top-ups are whole cents: amount_micros must be a multiple of ${MICROS_PER_CENT}; got ${amountMicros}.`);
    }
  }

  /** Records the pending top-up and asks the provider where to pay it. */
  async create(account: Account, method: TopupMethod, requestedMicros: number): Promise<Topup> {
    const { store, config } = this.context;
    const now = this.context.now().toISOString();
    // The user's amount is what gets credited; only the Star count rounds (up, so a Stars top-up is never sold short).
    const stars = method === 'stars' ? this.starsFor(requestedMicros) : null;
    const amountMicros = requestedMicros;
    // What the payer reads at the provider is in their Telegram language.
    const language = languageOf(account.language_code);
    // Not paid at all rather than paid and refused: the store refuses the credit again if the balance grew meanwhile.
    if (account.balance_micros + amountMicros > config.maxBalanceMicros) {
      throw balanceLimitProblem('This top-up', { balance_micros: account.balance_micros, limit_micros: config.maxBalanceMicros });
    }
    const topup = await store.createTopup(
      pendingTopup({ id: newTopupId(), account_id: account.id, method, amount_micros: amountMicros, stars, created_at: now }),
    );
    try {
      if (method === 'paddle') {
        const transaction = await this.paddle.createTopupTransaction({
          amountCents: amountMicros / MICROS_PER_CENT,
          description: messages.cardTopupDescription(language, amountMicros),
          customData: { account_id: account.id, topup_id: topup.id },
          checkoutUrl: config.publicUrl ? `${config.publicUrl.replace(/\/+$/, '')}/pay` : null,
        });
        if (!transaction.checkoutUrl)
          throw new PaddleCallError(
            'create transaction',
            'no_checkout_url',
            'Paddle returned no checkout URL: set a default payment link in Paddle (Checkout settings)',
          );
        return (await store.updateTopup(topup.id, { checkout_url: transaction.checkoutUrl, provider_ref: transaction.id }))!;
      }
      const invoice = messages.starsInvoice(language, amountMicros, stars!);
      const link = await this.botApi.call<string>('createInvoiceLink', {
        title: invoice.title,
        description: invoice.description,
        payload: topup.id,
        provider_token: '',
        currency: 'XTR',
        prices: [{ label: invoice.label, amount: stars }],
      });
      return (await store.updateTopup(topup.id, { invoice_link: link }))!;
    } catch (error) {
      await store.updateTopup(topup.id, { status: 'failed' });
      if (error instanceof PaddleCallError || error instanceof BotApiError) {
        this.context.logger.error({ topup_id: topup.id, method, error: error.message }, 'payment provider refused a top-up');
        const provider = method === 'paddle' ? 'Paddle' : 'Telegram';
        throw new ApiProblem(
          502,
          'payment_provider_error',
          `${provider} could not start this payment. Try again in a moment. (${provider}: ${error instanceof PaddleCallError ? error.code : error.description})`,
        );
      }
      throw error;
    }
  }

  async get(account: Account, topupId: string): Promise<Topup | null> {
    const topup = await this.context.store.getTopup(topupId);
    return topup && topup.account_id === account.id ? topup : null;
  }
}
