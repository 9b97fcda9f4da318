/**
 * The start-up lines for a server without a Telegram bot: how to reach a charged call
 * anyway (an account made by the operator, credit, the built-in demo product), in three
 * `kikuai` commands. Shown only when TELEGRAM_BOT_TOKEN is unset.
 *
 * The admin token is never printed: when `npm start` generated it (scripts/start.mjs,
 * `<data dir>/admin-token`), the commands read it from that file; otherwise the operator's
 * shell is expected to hold the KIKUAI_ADMIN_TOKEN the server has.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '@kikuai/server';

const DEMO_BODY = `'{"hello":"kikuai"}'`;

/** `text` as one single-quoted POSIX shell word. */
const shellWord = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;

/** The file `npm start` generated the admin token into, when the server runs with that token. */
function generatedAdminTokenFile(config: Config): string | undefined {
  const file = path.join(config.dataDir, 'admin-token');
  if (!config.adminToken || !existsSync(file)) return undefined;
  return readFileSync(file, 'utf8').trim() === config.adminToken ? file : undefined;
}

export function localPathBanner(config: Config, localUrl: string): string[] {
  if (config.telegram.botToken) return [];
  if (!config.adminToken) {
    return [
      'Without Telegram: set KIKUAI_ADMIN_TOKEN=<a secret of 16+ characters> (npm start makes one unless NODE_ENV=production)',
      '  and start with `npm start -- --demo`; it then prints three commands that reach a charged call (README: "Without Telegram").',
    ];
  }
  if (!config.demoProduct) {
    return [
      'Without Telegram: `npm start -- --demo` adds the built-in demo product (an offline echo, metered like any product)',
      '  and prints three commands that reach a charged call (README: "Without Telegram").',
    ];
  }
  const tokenFile = generatedAdminTokenFile(config);
  const asOperator = tokenFile ? `KIKUAI_ADMIN_TOKEN="$(cat ${shellWord(tokenFile)})" ` : '';
  return [
    tokenFile
      ? `Without Telegram, three commands reach a charged call (the admin token is read from ${tokenFile}):`
      : 'Without Telegram, three commands reach a charged call (in a shell where KIKUAI_ADMIN_TOKEN is the one this server has):',
    `  1. ${asOperator}npx kikuai admin accounts create --name dev --login --base-url ${localUrl}`,
    `  2. ${asOperator}npx kikuai admin credit <the account id step 1 printed> 1`,
    `  3. npx kikuai call demo echo --data ${DEMO_BODY}`,
  ];
}
