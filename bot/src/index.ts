/**
 * @kikuai/bot: the kikuai Telegram bot. `createBot` builds it without touching the
 * network; `startBot` runs it (the launcher's `npm start` calls it when TELEGRAM_BOT_TOKEN is set).
 */
export { createBot, type CreateBotOptions } from './bot.js';
export { startBot, type StartBotOptions, type RunningBot } from './start-bot.js';
export { configFromEnv, ConfigError, type BotConfig, type EnvConfig } from './config.js';
export { createWebhookHandler, webhookSecretFor } from './webhook.js';
export { registerCommands, COMMANDS } from './commands.js';
export { createJsonLogger, type Logger } from './logger.js';
export type { BotContext } from './context.js';
export { createKikuaiClientFactory, type KikuaiClientFactory } from './services/kikuai.js';
