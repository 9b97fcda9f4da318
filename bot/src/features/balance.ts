import { Composer, InlineKeyboard } from 'grammy';
import type { BotContext } from '../context.js';
import { MENU } from '../keyboards/main-menu.js';
import { privateOnly } from '../middlewares/private-only.js';
import { formatMoney } from '../services/format.js';

export const balanceFeature = new Composer<BotContext>();

async function showBalance(ctx: BotContext): Promise<void> {
  const balance = await ctx.kikuai.balance.get();
  const lines = [ctx.t('balance-amount', { amount: formatMoney(ctx, balance.balance_micros) })];
  if (balance.account_status === 'suspended') lines.push(ctx.t('balance-suspended'));
  // Nothing to call with yet: the way forward, not a warning.
  else if (balance.balance_micros === 0) lines.push(ctx.t('balance-empty'));
  else if (balance.low_balance) lines.push(ctx.t('balance-low'));
  const keyboard = new InlineKeyboard()
    .text(ctx.t('button-topup'), MENU.topup)
    .text(ctx.t('button-history'), MENU.history)
    .row()
    .text(ctx.t('button-menu'), MENU.main);
  await ctx.reply(lines.join('\n\n'), { parse_mode: 'HTML', reply_markup: keyboard });
}

balanceFeature.command('balance', privateOnly, showBalance);
balanceFeature.callbackQuery(MENU.balance, privateOnly, async (ctx) => {
  await ctx.answerCallbackQuery();
  await showBalance(ctx);
});
