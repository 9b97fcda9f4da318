import { InlineKeyboard } from 'grammy';
import type { BotContext } from '../context.js';
import { MENU } from './main-menu.js';

export const HISTORY_PAGE_PREFIX = 'hist:';
export const HISTORY_CALLS_PREFIX = 'hcalls:';
export const FIRST_PAGE = 'first';

/** A button that opens the single calls of one charges group (its token from PageTokens). */
export interface GroupButton {
  label: string;
  token: string;
}

export function historyPagerKeyboard(
  ctx: BotContext,
  pages: { newer: string | null; older: string | null; groups?: GroupButton[]; back?: string; prefix?: string },
): InlineKeyboard {
  const keyboard = new InlineKeyboard();
  for (const group of pages.groups ?? []) keyboard.text(ctx.t('button-history-calls', { group: group.label }), HISTORY_CALLS_PREFIX + group.token).row();
  const prefix = pages.prefix ?? HISTORY_PAGE_PREFIX;
  if (pages.newer) keyboard.text(ctx.t('button-newer'), prefix + pages.newer);
  if (pages.older) keyboard.text(ctx.t('button-older'), prefix + pages.older);
  if (pages.newer || pages.older) keyboard.row();
  if (pages.back) keyboard.text(ctx.t('button-history-back'), HISTORY_PAGE_PREFIX + pages.back);
  return keyboard.text(ctx.t('button-menu'), MENU.main);
}
