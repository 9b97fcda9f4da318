import { Composer } from 'grammy';
import type { BotContext } from '../context.js';
import { MENU, mainMenuKeyboard } from '../keyboards/main-menu.js';
import { privateOnly } from '../middlewares/private-only.js';
import { escapeHtml } from '../services/format.js';

/** /start: registers the user (once) and shows the first key this one time, then the menu. */
export const startFeature = new Composer<BotContext>();

startFeature.command('start', privateOnly, async (ctx) => {
  const user = ctx.from!;
  const result = await ctx.kikuai.auth.register({
    telegram_user: {
      id: user.id,
      username: user.username ?? null,
      first_name: user.first_name,
      last_name: user.last_name ?? null,
      language_code: user.language_code ?? null,
    },
  });
  const name = escapeHtml(user.first_name);
  if (result.created && result.api_key) {
    await ctx.reply(ctx.t('start-created', { name, key: result.api_key.secret }), { parse_mode: 'HTML', reply_markup: mainMenuKeyboard(ctx) });
    return;
  }
  await ctx.reply(ctx.t('start-returning', { name }), { parse_mode: 'HTML', reply_markup: mainMenuKeyboard(ctx) });
});

startFeature.callbackQuery(MENU.main, privateOnly, async (ctx) => {
  await ctx.answerCallbackQuery();
  await ctx.reply(ctx.t('menu-title'), { reply_markup: mainMenuKeyboard(ctx) });
});
