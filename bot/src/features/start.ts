import { Composer, InlineKeyboard } from 'grammy';
import type { Account } from '@kikuai/sdk';
import type { BotContext } from '../context.js';
import { MENU, mainMenuKeyboard } from '../keyboards/main-menu.js';
import { privateOnly } from '../middlewares/private-only.js';
import { escapeHtml, formatMoney } from '../services/format.js';
import { quickstartHtml } from '../services/quickstart.js';

/** The button under the key message: the user stored the secret, so the message can go. */
export const KEY_STORED = 'key:stored';

/**
 * /start: registers the user (once). A new account gets one message with its key, its
 * credit and the quickstart; a returning one is told where its first key was shown.
 */
export const startFeature = new Composer<BotContext>();

/** What the balance lets a new user do next: call at once on a credit, or top up first. */
export function nextStepLine(ctx: BotContext, account: Pick<Account, 'balance_micros' | 'balance_usd'>): string {
  return account.balance_micros > 0 ? ctx.t('start-credit', { amount: formatMoney(ctx, account.balance_micros) }) : ctx.t('start-no-credit');
}

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
    const text = [
      ctx.t('start-created', { name, key: result.api_key.secret }),
      nextStepLine(ctx, result.account),
      await quickstartHtml(ctx, result.api_key.secret),
    ];
    const keyboard = InlineKeyboard.from([[InlineKeyboard.text(ctx.t('button-key-stored'), KEY_STORED)], ...mainMenuKeyboard(ctx).inline_keyboard]);
    await ctx.reply(text.join('\n\n'), { parse_mode: 'HTML', reply_markup: keyboard, link_preview_options: { is_disabled: true } });
    return;
  }
  const shownIn = result.account.first_key_shown_in;
  const where = shownIn === 'mini_app' ? 'start-returning-miniapp' : shownIn === 'bot' ? 'start-returning-bot' : 'start-returning';
  await ctx.reply([ctx.t(where, { name }), await quickstartHtml(ctx)].join('\n\n'), {
    parse_mode: 'HTML',
    reply_markup: mainMenuKeyboard(ctx),
    link_preview_options: { is_disabled: true },
  });
});

// The secret leaves the chat; the quickstart stays, with the key as a shell variable.
startFeature.callbackQuery(KEY_STORED, privateOnly, async (ctx) => {
  await ctx.answerCallbackQuery();
  await ctx.deleteMessage();
  await ctx.reply([ctx.t('key-message-deleted'), await quickstartHtml(ctx)].join('\n\n'), {
    parse_mode: 'HTML',
    reply_markup: mainMenuKeyboard(ctx),
    link_preview_options: { is_disabled: true },
  });
});

startFeature.command('quickstart', privateOnly, async (ctx) => {
  await ctx.reply((await quickstartHtml(ctx)) || ctx.t('products-empty'), {
    parse_mode: 'HTML',
    reply_markup: mainMenuKeyboard(ctx),
    link_preview_options: { is_disabled: true },
  });
});

startFeature.callbackQuery(MENU.main, privateOnly, async (ctx) => {
  await ctx.answerCallbackQuery();
  await ctx.reply(ctx.t('menu-title'), { reply_markup: mainMenuKeyboard(ctx) });
});
