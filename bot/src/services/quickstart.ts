/**
 * The first call, ready to copy, wherever the bot shows a key (or reminds of one). The
 * lines come from the API (`products.list()`'s `quickstart`, built by the server from its
 * catalog on its public address), the same ones the Mini App shows.
 */
import type { BotContext } from '../context.js';
import { escapeHtml } from './format.js';

/** The shell variable the API's curl reads the key from; replaced by the secret when it is in the same message. */
const KEY_VARIABLE = '$KIKUAI_API_KEY';

/** The quickstart block of a message (HTML), in the user's language; empty when no product is live. */
export async function quickstartHtml(ctx: BotContext, apiKey?: string): Promise<string> {
  const { quickstart } = await ctx.kikuai.products.list();
  if (!quickstart) return '';
  return ctx.t('quickstart', {
    baseUrl: escapeHtml(quickstart.base_url),
    curl: escapeHtml(apiKey ? quickstart.curl.replaceAll(KEY_VARIABLE, apiKey) : quickstart.curl),
    sdk: escapeHtml(quickstart.sdk),
    cli: escapeHtml(quickstart.cli),
    docsUrl: escapeHtml(quickstart.docs_url),
  });
}
