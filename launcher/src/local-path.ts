/**
 * The start-up lines for a server without a Telegram bot: how to reach a charged call
 * anyway (an account made by the operator, credit, the built-in demo product), in three
 * `kikuai` commands. Shown only when TELEGRAM_BOT_TOKEN is unset.
 */
import type { Config } from '@kikuai/server';

const DEMO_BODY = `'{"hello":"kikuai"}'`;

export function localPathBanner(config: Config, localUrl: string): string[] {
  if (config.telegram.botToken) return [];
  if (!config.adminToken || !config.demoProduct) {
    const missing = [!config.adminToken && 'KIKUAI_ADMIN_TOKEN=<a secret of 16+ characters>', !config.demoProduct && 'KIKUAI_DEMO_PRODUCT=1'].filter(Boolean);
    return [
      'Without Telegram: restart with',
      `    ${missing.join(' ')} npm start`,
      '  and run the three commands it then prints (README: "Without Telegram").',
    ];
  }
  return [
    'Without Telegram, three commands reach a charged call (in a shell where KIKUAI_ADMIN_TOKEN is the one this server has):',
    `  1. npx kikuai admin accounts create --name dev --login --base-url ${localUrl}`,
    '  2. npx kikuai admin credit <the account id step 1 printed> 1',
    `  3. npx kikuai call demo echo --data ${DEMO_BODY}`,
  ];
}
