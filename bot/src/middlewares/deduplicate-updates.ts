import type { MiddlewareFn } from 'grammy';
import type { BotContext } from '../context.js';

/**
 * Telegram re-sends an update when a webhook answers slowly or with an error, and long
 * polling replays updates after a crash. Remember the last `capacity` update ids and
 * drop repeats. An update whose handling failed is forgotten so a re-delivery is handled.
 * (The API also credits a payment once per charge id; this spares the user a second reply.)
 */
export function deduplicateUpdates(capacity = 10_000): MiddlewareFn<BotContext> {
  const seen = new Set<number>(); // a Set iterates in insertion order: the first is the oldest
  return async (ctx, next) => {
    const id = ctx.update.update_id;
    if (seen.has(id)) {
      ctx.logger.info({ update_id: id }, 'duplicate update dropped');
      return;
    }
    seen.add(id);
    if (seen.size > capacity) seen.delete(seen.values().next().value as number);
    try {
      await next();
    } catch (error) {
      seen.delete(id);
      throw error;
    }
  };
}
