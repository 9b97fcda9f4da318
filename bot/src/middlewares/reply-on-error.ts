import type { MiddlewareFn } from 'grammy';
import type { BotContext } from '../context.js';
import { describeError } from '../services/errors.js';

/**
 * Thrown when a payment Telegram confirmed could not be reported to the API. It passes
 * the error boundary so the webhook answers 500 and Telegram delivers the update again.
 */
export class PaymentNotRecordedError extends Error {
  override name = 'PaymentNotRecordedError';
}

/** Any failure below gives the user a short reply instead of silence; the bot goes on. */
export function replyOnError(): MiddlewareFn<BotContext> {
  return async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      const friendly = describeError(error instanceof PaymentNotRecordedError ? error.cause : error);
      ctx.logger[friendly.level]({ update_id: ctx.update.update_id, user_id: ctx.from?.id, ...friendly.logFields }, 'update handler failed');
      if (error instanceof PaymentNotRecordedError) throw error;
      if (ctx.callbackQuery) await ctx.answerCallbackQuery().catch(() => undefined);
      if (ctx.chat) {
        await ctx.reply(ctx.t(friendly.key, friendly.variables)).catch((replyError: unknown) => {
          ctx.logger.warn({ update_id: ctx.update.update_id, ...describeError(replyError).logFields }, 'could not send the error reply');
        });
      }
    }
  };
}
