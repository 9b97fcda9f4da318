import { InlineKeyboard } from 'grammy';
import type { BotContext } from '../context.js';
import { MENU } from './main-menu.js';

export const HISTORY_PAGE_PREFIX = 'hist:';
export const FIRST_PAGE = 'first';

export function historyPagerKeyboard(ctx: BotContext, pages: { newer: string | null; older: string | null }): InlineKeyboard {
  const keyboard = new InlineKeyboard();
  if (pages.newer) keyboard.text(ctx.t('button-newer'), HISTORY_PAGE_PREFIX + pages.newer);
  if (pages.older) keyboard.text(ctx.t('button-older'), HISTORY_PAGE_PREFIX + pages.older);
  if (pages.newer || pages.older) keyboard.row();
  return keyboard.text(ctx.t('button-menu'), MENU.main);
}
