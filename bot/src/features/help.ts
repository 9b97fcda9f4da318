import { Composer } from 'grammy';
import type { BotContext } from '../context.js';
import { MENU, mainMenuKeyboard } from '../keyboards/main-menu.js';
import { isPrivateChat } from '../filters/is-private-chat.js';

/** /help, and /paysupport, /terms, /support, which Telegram requires of bots that take payments. */
export const helpFeature = new Composer<BotContext>();

const menuIfPrivate = (ctx: BotContext) => (isPrivateChat(ctx) ? { reply_markup: mainMenuKeyboard(ctx) } : {});

helpFeature.command('help', async (ctx) => {
  await ctx.reply(ctx.t('help'), { parse_mode: 'HTML', ...menuIfPrivate(ctx) });
});
helpFeature.callbackQuery(MENU.help, async (ctx) => {
  await ctx.answerCallbackQuery();
  await ctx.reply(ctx.t('help'), { parse_mode: 'HTML', ...menuIfPrivate(ctx) });
});
helpFeature.command('paysupport', async (ctx) => {
  await ctx.reply(ctx.t('paysupport', { contact: ctx.config.supportContact }), { parse_mode: 'HTML' });
});
helpFeature.command('terms', async (ctx) => {
  await ctx.reply(ctx.t('terms'), { parse_mode: 'HTML' });
});
helpFeature.command('support', async (ctx) => {
  await ctx.reply(ctx.t('support', { contact: ctx.config.supportContact }), { parse_mode: 'HTML' });
});
