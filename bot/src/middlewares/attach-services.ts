import type { MiddlewareFn } from 'grammy';
import type { BotConfig } from '../config.js';
import type { BotContext } from '../context.js';
import type { Logger } from '../logger.js';
import type { KikuaiClient, KikuaiClientFactory } from '../services/kikuai.js';

/** Puts the configuration, the logger and the API client of the update's sender on the context. */
export function attachServices(services: { config: BotConfig; logger: Logger; kikuaiFor: KikuaiClientFactory }): MiddlewareFn<BotContext> {
  return (ctx, next) => {
    ctx.config = services.config;
    ctx.logger = services.logger;
    ctx.kikuaiFor = services.kikuaiFor;
    let client: KikuaiClient | undefined;
    Object.defineProperty(ctx, 'kikuai', {
      configurable: true,
      get() {
        if (!ctx.from) throw new Error('this update has no sender to act for');
        return (client ??= services.kikuaiFor(ctx.from.id));
      },
    });
    return next();
  };
}
