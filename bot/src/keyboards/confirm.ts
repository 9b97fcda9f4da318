import { InlineKeyboard } from 'grammy';
import type { BotContext } from '../context.js';

/** A yes/cancel pair; callback data stays under Telegram's 64 bytes. */
export function confirmKeyboard(ctx: BotContext, yesLabel: string, yesData: string, cancelData: string): InlineKeyboard {
  return new InlineKeyboard().text(yesLabel, yesData).text(ctx.t('button-cancel'), cancelData);
}
