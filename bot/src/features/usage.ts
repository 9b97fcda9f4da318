import { Composer } from 'grammy';
import type { BotContext } from '../context.js';
import { MENU, backToMenuKeyboard } from '../keyboards/main-menu.js';
import { privateOnly } from '../middlewares/private-only.js';
import { escapeHtml, formatMoney } from '../services/format.js';

const USAGE_DAYS = 7;
const DAY_MS = 86_400_000;

export const usageFeature = new Composer<BotContext>();

async function showUsage(ctx: BotContext): Promise<void> {
  const now = Date.now();
  const to = new Date(now).toISOString().slice(0, 10);
  const from = new Date(now - (USAGE_DAYS - 1) * DAY_MS).toISOString().slice(0, 10);
  const report = await ctx.kikuai.usage.get({ from, to });
  if (report.rows.length === 0) {
    await ctx.reply(ctx.t('usage-empty', { days: USAGE_DAYS }), { reply_markup: backToMenuKeyboard(ctx) });
    return;
  }
  const byProduct = new Map<string, { requests: number; errors: number; cost: number }>();
  for (const row of report.rows) {
    const sum = byProduct.get(row.product_id) ?? { requests: 0, errors: 0, cost: 0 };
    sum.requests += row.requests;
    sum.errors += row.errors;
    sum.cost += row.cost_micros;
    byProduct.set(row.product_id, sum);
  }
  const lines = [...byProduct].map(([product, sum]) =>
    ctx.t('usage-row', { product: escapeHtml(product), requests: sum.requests, errors: sum.errors, cost: formatMoney(ctx, sum.cost) }),
  );
  const text = [
    ctx.t('usage-title', { days: USAGE_DAYS, from: report.from, to: report.to }),
    lines.join('\n'),
    ctx.t('usage-total', { requests: report.totals.requests, cost: formatMoney(ctx, report.totals.cost_micros) }),
  ].join('\n\n');
  await ctx.reply(text, { parse_mode: 'HTML', reply_markup: backToMenuKeyboard(ctx) });
}

usageFeature.command('usage', privateOnly, showUsage);
usageFeature.callbackQuery(MENU.usage, privateOnly, async (ctx) => {
  await ctx.answerCallbackQuery();
  await showUsage(ctx);
});
