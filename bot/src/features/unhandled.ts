import { Composer } from 'grammy';
import type { BotContext } from '../context.js';
import { isPrivateChat } from '../filters/is-private-chat.js';
import { mainMenuKeyboard } from '../keyboards/main-menu.js';

/** Last in the chain: anything no feature took. Quiet in groups, helpful in private. */
export const unhandledFeature = new Composer<BotContext>();

unhandledFeature.on('callback_query', async (ctx) => {
  await ctx.answerCallbackQuery({ text: ctx.t('unhandled-button') });
});
unhandledFeature.on('message', async (ctx) => {
  if (!isPrivateChat(ctx)) return;
  await ctx.reply(ctx.t('unhandled'), { reply_markup: mainMenuKeyboard(ctx) });
});
