/** `npm start -w @kikuai/bot`: the bot alone, configured from the environment (README lists the variables). */
import { ConfigError, configFromEnv } from './config.js';
import { createJsonLogger } from './logger.js';
import { startBot } from './start-bot.js';

async function main(): Promise<void> {
  const config = configFromEnv();
  const logger = createJsonLogger({ level: config.logLevel });
  const running = await startBot({
    token: config.token,
    apiRoot: config.apiRoot,
    webhookUrl: config.webhookUrl,
    webhookSecret: config.webhookSecret,
    webhookPort: config.webhookPort,
    webhookHost: config.webhookHost,
    logger,
    ...config.bot,
  });
  const shutdown = async (signal: string) => {
    logger.info({ signal }, 'stopping');
    await running.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  const message = error instanceof ConfigError ? error.message : 'the bot could not start';
  process.stderr.write(
    `${JSON.stringify({ level: 60, time: Date.now(), name: 'kikuai-bot', msg: message, error: error instanceof Error ? error.name : typeof error })}\n`,
  );
  process.exit(1);
});
