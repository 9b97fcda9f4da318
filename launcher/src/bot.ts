/**
 * The bot beside the API: started once the API listens, reaching it at API_BASE_URL or
 * at the API's own local address, and stopped before the API closes.
 */
import { startBot } from '@kikuai/bot';
import type { Alongside, Environment, ListeningApi } from '@kikuai/server';

/** `KIKUAI_START_BOT=false` (or 0, no, off) keeps the bot out of this process. */
export function botWanted(environment: Environment): boolean {
  const setting = environment.KIKUAI_START_BOT?.trim().toLowerCase();
  return !setting || !['0', 'false', 'no', 'off'].includes(setting);
}

const OFF = '  bot:      off (set TELEGRAM_BOT_TOKEN and KIKUAI_BOT_SERVICE_TOKEN to run it)';

export async function startBotAlongside({ config, localUrl, log }: ListeningApi, environment: Environment): Promise<Alongside> {
  if (!config.telegram.botToken || !botWanted(environment)) return { banner: [OFF] };
  if (!config.botServiceToken) {
    log.warn('TELEGRAM_BOT_TOKEN is set but KIKUAI_BOT_SERVICE_TOKEN is not: the bot needs it to reach the API. Not starting the bot.');
    return { banner: [OFF] };
  }
  try {
    const bot = await startBot({
      token: config.telegram.botToken,
      apiBaseUrl: config.apiBaseUrl ?? localUrl,
      serviceToken: config.botServiceToken,
      webhookUrl: config.telegram.webhookUrl,
      webhookSecret: config.telegram.webhookSecret,
      webappUrl: config.webappUrl,
      apiRoot: config.telegram.apiRoot,
    });
    return { banner: ['  bot:      running'], stop: () => bot.stop() };
  } catch (error) {
    log.error({ err: error }, 'the bot could not start; the API keeps serving');
    return { banner: [OFF] };
  }
}
