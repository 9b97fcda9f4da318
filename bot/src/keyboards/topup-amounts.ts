import { InlineKeyboard } from 'grammy';
import type { BotContext } from '../context.js';
import { formatMoney } from '../services/format.js';
import { MENU } from './main-menu.js';

export const TOPUP_PREFIX = 'topup:';

/** Stars are whole: an amount costs ceil(amount / value of a Star), as the API rounds it. */
export const starsFor = (amountMicros: number, microsPerStar: number): number => Math.ceil(amountMicros / microsPerStar);

export function topupAmountsKeyboard(ctx: BotContext, presets: number[], microsPerStar: number): InlineKeyboard {
  const keyboard = new InlineKeyboard();
  presets.forEach((amount, index) => {
    keyboard.text(ctx.t('button-topup-amount', { amount: formatMoney(ctx, amount), stars: starsFor(amount, microsPerStar) }), TOPUP_PREFIX + amount);
    if (index % 2 === 1) keyboard.row();
  });
  if (presets.length % 2 === 1) keyboard.row();
  return keyboard.text(ctx.t('button-menu'), MENU.main);
}
