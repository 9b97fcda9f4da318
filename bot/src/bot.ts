import { Bot, type RawApi } from 'grammy';
import type { UserFromGetMe } from 'grammy/types';
import { autoRetry } from '@grammyjs/auto-retry';
import { sequentialize } from '@grammyjs/runner';
import type { BotConfig } from './config.js';
import type { BotContext } from './context.js';
import { createI18n } from './i18n.js';
import { silentLogger, type Logger } from './logger.js';
import { balanceFeature } from './features/balance.js';
import { helpFeature } from './features/help.js';
import { createHistoryFeature } from './features/history.js';
import { keysFeature } from './features/keys.js';
import { paymentsFeature } from './features/payments.js';
import { productsFeature } from './features/products.js';
import { startFeature } from './features/start.js';
import { topupFeature } from './features/topup.js';
import { unhandledFeature } from './features/unhandled.js';
import { usageFeature } from './features/usage.js';
import { attachServices } from './middlewares/attach-services.js';
import { deduplicateUpdates } from './middlewares/deduplicate-updates.js';
import { logUpdates } from './middlewares/log-updates.js';
import { replyOnError } from './middlewares/reply-on-error.js';
import { createKikuaiClientFactory, type KikuaiClientFactory } from './services/kikuai.js';
import { describeError } from './services/errors.js';

export interface CreateBotOptions {
  config: BotConfig;
  logger?: Logger;
  /** Skips `getMe` at start (tests, or when the bot's identity is known). */
  botInfo?: UserFromGetMe;
  /** grammY's client options, e.g. `{ apiRoot }` for a local Bot API server. */
  client?: { apiRoot?: string };
  /** Makes the API client acting for a Telegram user (default: @kikuai/sdk with `config`'s service token). */
  api?: KikuaiClientFactory;
  /** Longest Telegram `retry_after` the bot waits out before giving up on a call (seconds). */
  maxRetryAfterSeconds?: number;
}

/** Methods that must never wait for a retry: Telegram drops a pre-checkout answer after 10 s. */
const NEVER_RETRIED = new Set<keyof RawApi>(['answerPreCheckoutQuery']);

/**
 * Builds the bot with every feature installed. No network here: polling, the webhook and
 * `setMyCommands` belong to `startBot`.
 */
export function createBot(token: string, options: CreateBotOptions): Bot<BotContext> {
  const logger = options.logger ?? silentLogger;
  const bot = new Bot<BotContext>(token, {
    ...(options.botInfo ? { botInfo: options.botInfo } : {}),
    ...(options.client ? { client: options.client } : {}),
  });

  const retry = autoRetry({ maxRetryAttempts: 3, maxDelaySeconds: options.maxRetryAfterSeconds ?? 30, rethrowHttpErrors: false });
  bot.api.config.use((previous, method, payload, signal) =>
    NEVER_RETRIED.has(method) ? previous(method, payload, signal) : retry(previous, method, payload, signal),
  );

  const i18n = createI18n();
  const kikuaiFor = options.api ?? createKikuaiClientFactory(options.config);

  // One chat's updates run in order; a pre-checkout query (no chat) is never held back.
  bot.use(sequentialize<BotContext>((ctx) => (ctx.update.pre_checkout_query ? undefined : ctx.chat?.id.toString())));
  bot.use(attachServices({ config: options.config, logger, kikuaiFor }));
  bot.use(logUpdates());
  bot.use(deduplicateUpdates());
  bot.use(i18n);
  bot.use(replyOnError());

  // Payments first: before any private-chat filter (a pre-checkout query has no chat).
  bot.use(paymentsFeature);
  bot.use(startFeature);
  bot.use(keysFeature);
  bot.use(balanceFeature);
  bot.use(topupFeature);
  bot.use(usageFeature);
  bot.use(createHistoryFeature());
  bot.use(productsFeature);
  bot.use(helpFeature);
  bot.use(unhandledFeature);

  bot.catch((error) => {
    logger.error({ update_id: error.ctx.update.update_id, user_id: error.ctx.from?.id, ...describeError(error.error).logFields }, 'update not handled');
  });
  return bot;
}
