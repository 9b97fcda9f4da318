/**
 * The first call, ready to copy: wherever the bot shows a key (or reminds of one), it
 * shows the API's public address, a curl of a real product endpoint, the SDK and CLI
 * one-liners and the docs. The lines come from the SDK's `firstCallQuickstart`, which the
 * Mini App shows too.
 */
import { firstCallQuickstart } from '@kikuai/sdk';
import type { BotContext } from '../context.js';
import { escapeHtml } from './format.js';

/** The quickstart block of a message (HTML), in the user's language. */
export function quickstartHtml(ctx: BotContext, apiKey?: string): string {
  const quickstart = firstCallQuickstart(ctx.config.publicUrl ?? ctx.config.apiBaseUrl, apiKey);
  return ctx.t('quickstart', {
    baseUrl: escapeHtml(quickstart.baseUrl),
    curl: escapeHtml(quickstart.curl),
    sdk: escapeHtml(quickstart.sdk),
    cli: escapeHtml(quickstart.cli),
    docsUrl: escapeHtml(quickstart.docsUrl),
  });
}
