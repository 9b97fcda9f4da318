import type { MiddlewareFn } from 'grammy';
import type { BotContext } from '../context.js';

/** What the update is, for the log: a command name, a callback's data, a payment event. Never message text. */
export function describeUpdate(ctx: BotContext): { kind: string; command?: string } {
  const { update } = ctx;
  if (update.pre_checkout_query) return { kind: 'pre_checkout_query' };
  if (update.callback_query) return { kind: 'callback_query', command: update.callback_query.data?.slice(0, 64) };
  const message = update.message;
  if (message?.successful_payment) return { kind: 'successful_payment' };
  if (message?.refunded_payment) return { kind: 'refunded_payment' };
  const text = message?.text;
  if (text?.startsWith('/')) return { kind: 'message', command: text.split(/[\s@]/, 1)[0]!.slice(0, 64) };
  return { kind: Object.keys(update).find((key) => key !== 'update_id') ?? 'unknown' };
}

/** One JSON line per update: who, what, how long, how it ended. */
export function logUpdates(): MiddlewareFn<BotContext> {
  return async (ctx, next) => {
    const started = performance.now();
    const fields = { update_id: ctx.update.update_id, user_id: ctx.from?.id, chat_type: ctx.chat?.type, ...describeUpdate(ctx) };
    try {
      await next();
      ctx.logger.info({ ...fields, latency_ms: Math.round(performance.now() - started) }, 'update handled');
    } catch (error) {
      ctx.logger.warn({ ...fields, latency_ms: Math.round(performance.now() - started), outcome: 'failed' }, 'update failed');
      throw error;
    }
  };
}
