/**
 * `npm start`: load the configuration, open the store, serve the API, and run the bot
 * in the same process when TELEGRAM_BOT_TOKEN is set. SIGTERM and SIGINT shut down
 * gracefully: readiness turns 503, no new connections, requests in flight finish, the
 * bot stops, the store closes.
 */
import type { AddressInfo } from 'node:net';
import { buildApp } from './app.js';
import { describeBinding } from './binding.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { createStore } from './store/index.js';

async function startBotIfConfigured(config: Config, apiUrl: string, log: (message: string) => void): Promise<(() => Promise<void>) | null> {
  if (!config.telegram.botToken || !config.telegram.startBot) return null;
  if (!config.botServiceToken) {
    log('TELEGRAM_BOT_TOKEN is set but KIKUAI_BOT_SERVICE_TOKEN is not: the bot needs it to reach the API. Not starting the bot.');
    return null;
  }
  const moduleName = '@kikuai/bot';
  const bot = (await import(moduleName)) as { startBot: (options: Record<string, unknown>) => Promise<{ stop(): Promise<void> }> };
  const running = await bot.startBot({
    token: config.telegram.botToken,
    apiBaseUrl: config.apiBaseUrl ?? apiUrl,
    serviceToken: config.botServiceToken,
    webhookUrl: config.telegram.webhookUrl,
    webhookSecret: config.telegram.webhookSecret,
    webappUrl: config.webappUrl,
    apiRoot: config.telegram.apiRoot,
  });
  return () => running.stop();
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }

  const store = createStore({ redisUrl: config.redisUrl, dataDir: config.dataDir, keyPrefix: config.redisKeyPrefix, maxBalanceMicros: config.maxBalanceMicros });
  let app: Awaited<ReturnType<typeof buildApp>>;
  try {
    app = await buildApp({ config, store });
  } catch (error) {
    // A bad products file is a configuration error too: one line, no stack trace.
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      await store.close().catch(() => undefined);
      process.exit(1);
    }
    throw error;
  }
  const where = config.redisUrl ? `Redis at ${new URL(config.redisUrl).host}` : `embedded SQLite at ${config.dataDir}/kikuai.db`;
  app.log.info({ store: store.kind }, `store: ${where}`);

  await app.listen({ port: config.port, host: config.host });
  const bound = describeBinding(app.server.address() as AddressInfo);
  const localUrl = bound.localUrl;

  let stopBot: (() => Promise<void>) | null = null;
  try {
    stopBot = await startBotIfConfigured(config, localUrl, (message) => app.log.warn(message));
  } catch (error) {
    app.log.error({ err: error }, 'the bot could not start; the API keeps serving');
  }

  process.stdout.write(
    [
      '',
      `kikuai API listening on ${bound.url}${bound.wide ? ` (every interface; on this machine ${localUrl})` : ''}`,
      `  bound to: ${bound.note}`,
      ...(bound.wide && config.adminToken ? ['            KIKUAI_ADMIN_TOKEN is set: keep /api/v1/admin/* behind a proxy that only operators reach.'] : []),
      `  store:    ${where}`,
      `  docs:     ${localUrl}/docs   (spec: ${localUrl}/openapi.yaml)`,
      `  health:   ${localUrl}/healthz · ${localUrl}/readyz · ${localUrl}/metrics`,
      `  bot:      ${stopBot ? 'running' : 'off (set TELEGRAM_BOT_TOKEN and KIKUAI_BOT_SERVICE_TOKEN to run it)'}`,
      `  Mini App: ${localUrl}/webapp/`,
      '',
      'Next: open the docs, or set the variables of .env.example and restart.',
      '',
    ].join('\n'),
  );

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down');
    app.beginShutdown();
    const force = setTimeout(() => process.exit(1), 25_000);
    force.unref();
    try {
      if (stopBot) await stopBot();
      await app.close();
      process.exit(0);
    } catch (error) {
      app.log.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

void main();
