/**
 * `npm start`: the API on its configured store, the Telegram bot in the same process when
 * TELEGRAM_BOT_TOKEN and KIKUAI_BOT_SERVICE_TOKEN are set, and the Mini App's build at
 * /webapp/. Without a bot it prints the local path instead (`local-path.ts`). SIGTERM and
 * SIGINT stop the bot, then the API (`serve` in @kikuai/server).
 */
import { serve } from '@kikuai/server';
import { startBotAlongside } from './bot.js';
import { localPathBanner } from './local-path.js';
import { miniAppDir } from './mini-app.js';

void serve({
  webappDir: miniAppDir(),
  alongside: async (api) => {
    const bot = await startBotAlongside(api, process.env);
    const localPath = localPathBanner(api.config, api.localUrl);
    return localPath.length > 0 ? { ...bot, next: localPath } : bot;
  },
});
