import { Composer } from 'grammy';
import type { BotContext } from '../context.js';
import { MENU } from '../keyboards/main-menu.js';
import { TOPUP_PREFIX, topupAmountsKeyboard } from '../keyboards/topup-amounts.js';
import { privateOnly } from '../middlewares/private-only.js';
import { parseUsd } from '@kikuai/sdk';
import { formatMoney, replyLanguage } from '../services/format.js';

/**
 * /topup: the amounts come from the API; the chosen one becomes a pending top-up, and
 * the bot sends its Stars invoice into the chat (XTR, no provider token, one price,
 * payload = the top-up id, exactly as the API's invoice link is made). `/topup 12.5`
 * skips the choice.
 */
export const topupFeature = new Composer<BotContext>();

async function showAmounts(ctx: BotContext): Promise<void> {
  const options = await ctx.kikuai.topups.options();
  if (!options.methods.includes('stars')) {
    await ctx.reply(ctx.t('topup-unavailable'));
    return;
  }
  // The bot sells Stars only: its maximum is one Stars invoice's.
  await ctx.reply(ctx.t('topup-choose', { min: formatMoney(ctx, options.min_micros), max: formatMoney(ctx, options.stars_max_micros) }), {
    reply_markup: topupAmountsKeyboard(ctx, options.presets_micros, options.micros_per_star),
  });
}

async function sendInvoice(ctx: BotContext, amountMicros: number, idempotencyKey: string): Promise<void> {
  const options = await ctx.kikuai.topups.options();
  if (amountMicros < options.min_micros || amountMicros > options.stars_max_micros) {
    await ctx.reply(ctx.t('topup-out-of-range', { min: formatMoney(ctx, options.min_micros), max: formatMoney(ctx, options.stars_max_micros) }));
    return;
  }
  const topup = await ctx.kikuai.topups.create({ method: 'stars', amount_micros: amountMicros }, { idempotencyKey });
  const stars = topup.stars ?? Math.ceil(topup.amount_micros / options.micros_per_star);
  const amount = formatMoney(ctx, topup.amount_micros);
  await ctx.replyWithInvoice(
    ctx.t('invoice-title', { amount }),
    ctx.t('invoice-description', { amount, stars }),
    topup.id,
    'XTR',
    [{ label: ctx.t('invoice-label', { amount }), amount: stars }],
    { provider_token: '' },
  );
}

topupFeature.command('topup', privateOnly, async (ctx) => {
  const argument = ctx.match.trim();
  if (!argument) return showAmounts(ctx);
  // Read in the reply's language: `5,50` is $5.50 to a Russian reader, and not an amount in English.
  const amount = parseUsd(argument, { locale: replyLanguage(ctx) });
  if (!amount.ok) return void (await ctx.reply(ctx.t('topup-bad-amount')));
  await sendInvoice(ctx, amount.micros, `bot-topup-${ctx.update.update_id}-${ctx.from!.id}`);
});

topupFeature.callbackQuery(MENU.topup, privateOnly, async (ctx) => {
  await ctx.answerCallbackQuery();
  await showAmounts(ctx);
});

topupFeature.callbackQuery(new RegExp(`^${TOPUP_PREFIX}(\\d{1,13})$`), privateOnly, async (ctx) => {
  await ctx.answerCallbackQuery();
  // The callback id is unique per tap: a re-delivered tap does not make a second top-up.
  await sendInvoice(ctx, Number(ctx.match[1]), `bot-topup-${ctx.callbackQuery.id}`);
});
