import type { Context } from 'grammy';

/** Secrets and account details are shown only in a private chat with the bot. */
export const isPrivateChat = (ctx: Context): boolean => ctx.chat?.type === 'private';
