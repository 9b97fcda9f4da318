import { InlineKeyboard, type MiddlewareFn } from 'grammy';
import type { BotContext } from '../context.js';
import { isPrivateChat } from '../filters/is-private-chat.js';

/** Stops account commands outside a private chat and points the user to one; the API is not called. */
export const privateOnly: MiddlewareFn<BotContext> = async (ctx, next) => {
  if (isPrivateChat(ctx)) return next();
  if (ctx.callbackQuery) await ctx.answerCallbackQuery({ text: ctx.t('private-only-short') });
  const keyboard = new InlineKeyboard().url(ctx.t('button-open-private'), `https://t.me/${ctx.me.username}?start=private`);
  await ctx.reply(ctx.t('private-only'), { reply_markup: keyboard });
};
