import type { Server } from 'node:http';
import type { Bot } from 'grammy';
import type { UserFromGetMe } from 'grammy/types';
import { run, type RunnerHandle } from '@grammyjs/runner';
import { createBot } from './bot.js';
import { registerCommands } from './commands.js';
import type { BotContext } from './context.js';
import { createI18n } from './i18n.js';
import { createJsonLogger, type Logger } from './logger.js';
import { describeError } from './services/errors.js';
import { listenForWebhook, webhookSecretFor } from './webhook.js';

export interface StartBotOptions {
  token: string;
  apiBaseUrl: string;
  serviceToken: string;
  /** Set: Telegram posts updates there; unset: long polling. */
  webhookUrl?: string;
  webhookSecret?: string;
  /** Where the webhook server listens (the public URL usually sits behind a proxy). Default TELEGRAM_WEBHOOK_PORT, else 8081, on 0.0.0.0. */
  webhookPort?: number;
  webhookHost?: string;
  webappUrl?: string;
  /** The Bot API server; default Telegram's. */
  apiRoot?: string;
  logger?: Logger;
  botInfo?: UserFromGetMe;
  rotateGraceSeconds?: number;
  apiTimeoutMs?: number;
  supportContact?: string;
}

export interface RunningBot {
  bot: Bot<BotContext>;
  mode: 'polling' | 'webhook';
  /** The port the webhook server listens on (webhook mode). */
  webhookPort?: number;
  stop(): Promise<void>;
}

// `refunded_payment` and `successful_payment` arrive as messages.
const ALLOWED_UPDATES = ['message', 'callback_query', 'pre_checkout_query'] as const;

/** Starts the bot: registers its commands, then takes updates by webhook or long polling. */
export async function startBot(options: StartBotOptions): Promise<RunningBot> {
  const logger = options.logger ?? createJsonLogger();
  const bot = createBot(options.token, {
    config: {
      apiBaseUrl: options.apiBaseUrl,
      serviceToken: options.serviceToken,
      webappUrl: options.webappUrl,
      rotateGraceSeconds: options.rotateGraceSeconds ?? 0,
      apiTimeoutMs: options.apiTimeoutMs ?? 5_000,
      supportContact: options.supportContact ?? 'support@kikuai.dev',
    },
    logger,
    ...(options.botInfo ? { botInfo: options.botInfo } : {}),
    ...(options.apiRoot ? { client: { apiRoot: options.apiRoot } } : {}),
  });
  await bot.init();

  const i18n = createI18n();
  try {
    await registerCommands(bot.api, i18n);
    if (options.webappUrl) {
      await bot.api.setChatMenuButton({ menu_button: { type: 'web_app', text: i18n.t('en', 'button-open-app'), web_app: { url: options.webappUrl } } });
    }
  } catch (error) {
    // The bot works without its command menu; say so and go on.
    logger.warn({ ...describeError(error).logFields }, 'could not register the command menu');
  }

  if (options.webhookUrl) {
    const secret = webhookSecretFor(options.token, options.webhookSecret);
    const path = new URL(options.webhookUrl).pathname;
    const { server, port } = await listenForWebhook(bot, {
      secret,
      path,
      port: options.webhookPort ?? Number(process.env.TELEGRAM_WEBHOOK_PORT || 8081),
      host: options.webhookHost ?? '0.0.0.0',
      logger,
    });
    await bot.api.setWebhook(options.webhookUrl, { secret_token: secret, allowed_updates: [...ALLOWED_UPDATES] });
    logger.info({ mode: 'webhook', port, username: bot.botInfo.username }, 'bot started');
    return { bot, mode: 'webhook', webhookPort: port, stop: () => closeServer(server) };
  }

  await bot.api.deleteWebhook();
  const runner: RunnerHandle = run(bot, { runner: { fetch: { allowed_updates: [...ALLOWED_UPDATES] }, silent: true } });
  logger.info({ mode: 'polling', username: bot.botInfo.username }, 'bot started');
  return {
    bot,
    mode: 'polling',
    async stop() {
      if (runner.isRunning()) await runner.stop();
    },
  };
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
