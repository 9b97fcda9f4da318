/**
 * The first call, ready to copy: wherever the bot shows a key (or reminds of one), it
 * shows the API's public address, a curl of a real product endpoint, the SDK and CLI
 * one-liners and the docs. The Mini App builds the same lines (miniapp/src/lib/quickstart.ts).
 */
import type { BotContext } from '../context.js';
import { escapeHtml } from './format.js';

/** ReliAPI's HTTP proxy, $0.001 a call: the cheapest real endpoint, whose body needs no account elsewhere. */
export const FIRST_CALL_PATH = '/api/v1/proxy/reliapi/http';
export const FIRST_CALL_BODY = '{"target":"example","method":"GET","path":"/status"}';

export interface Quickstart {
  baseUrl: string;
  curl: string;
  sdk: string;
  cli: string;
  docsUrl: string;
}

/** `apiKey`: the secret when it is shown in the same message, else the shell variable that holds it. */
export function quickstartFor(baseUrl: string, apiKey = '$KIKUAI_API_KEY'): Quickstart {
  const base = baseUrl.replace(/\/+$/, '');
  return {
    baseUrl: base,
    curl: `curl -sS -X POST ${base}${FIRST_CALL_PATH} -H "Authorization: Bearer ${apiKey}" -H "Content-Type: application/json" -d '${FIRST_CALL_BODY}'`,
    sdk: `npm i @kikuai/sdk && node --input-type=module -e "import { createKikuaiClient } from '@kikuai/sdk'; const kikuai = createKikuaiClient({ baseUrl: '${base}', auth: { apiKey: process.env.KIKUAI_API_KEY } }); console.log(await kikuai.balance.get())"`,
    cli: `npx kikuai login --base-url ${base} && npx kikuai call reliapi http --data '${FIRST_CALL_BODY}'`,
    docsUrl: `${base}/docs`,
  };
}

/** The quickstart block of a message (HTML), in the user's language. */
export function quickstartHtml(ctx: BotContext, apiKey?: string): string {
  const quickstart = quickstartFor(ctx.config.publicUrl ?? ctx.config.apiBaseUrl, apiKey);
  return ctx.t('quickstart', {
    baseUrl: escapeHtml(quickstart.baseUrl),
    curl: escapeHtml(quickstart.curl),
    sdk: escapeHtml(quickstart.sdk),
    cli: escapeHtml(quickstart.cli),
    docsUrl: escapeHtml(quickstart.docsUrl),
  });
}
