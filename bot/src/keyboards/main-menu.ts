import { InlineKeyboard } from 'grammy';
import type { BotContext } from '../context.js';

export const MENU = {
  main: 'menu:main',
  balance: 'menu:balance',
  topup: 'menu:topup',
  keys: 'menu:keys',
  usage: 'menu:usage',
  history: 'menu:history',
  products: 'menu:products',
  help: 'menu:help',
} as const;

export function mainMenuKeyboard(ctx: BotContext): InlineKeyboard {
  const keyboard = new InlineKeyboard()
    .text(ctx.t('button-balance'), MENU.balance)
    .text(ctx.t('button-topup'), MENU.topup)
    .row()
    .text(ctx.t('button-keys'), MENU.keys)
    .text(ctx.t('button-usage'), MENU.usage)
    .row()
    .text(ctx.t('button-history'), MENU.history)
    .text(ctx.t('button-products'), MENU.products)
    .row();
  // A web_app button only works in private chats, which is the only place the menu is shown.
  if (ctx.config.webappUrl) keyboard.webApp(ctx.t('button-open-app'), ctx.config.webappUrl).row();
  return keyboard.text(ctx.t('button-help'), MENU.help);
}

export const backToMenuKeyboard = (ctx: BotContext): InlineKeyboard => new InlineKeyboard().text(ctx.t('button-menu'), MENU.main);
