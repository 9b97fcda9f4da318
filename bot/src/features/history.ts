import { Composer } from 'grammy';
import type { BotContext } from '../context.js';
import { FIRST_PAGE, HISTORY_PAGE_PREFIX, historyPagerKeyboard } from '../keyboards/history-pager.js';
import { MENU } from '../keyboards/main-menu.js';
import { privateOnly } from '../middlewares/private-only.js';
import { escapeHtml, formatMoney, formatTime } from '../services/format.js';
import { PageTokens, type HistoryPage } from '../services/page-tokens.js';

const PAGE_SIZE = 5;

/** /history: the ledger, newest first, paged with buttons that edit the message in place. */
export function createHistoryFeature(tokens = new PageTokens()): Composer<BotContext> {
  const feature = new Composer<BotContext>();

  async function renderPage(
    ctx: BotContext,
    page: HistoryPage,
    token: string | null,
  ): Promise<{ text: string; reply_markup: ReturnType<typeof historyPagerKeyboard> }> {
    const result = await ctx.kikuai.history.list({ limit: PAGE_SIZE, ...(page.cursor ? { cursor: page.cursor } : {}) });
    const lines = result.data.map((entry) =>
      ctx.t('history-entry', {
        time: formatTime(entry.created_at),
        kind: ctx.t(`history-kind-${entry.kind}`),
        amount: formatMoney(ctx, entry.amount_micros, { sign: 'always' }),
        balance: formatMoney(ctx, entry.balance_after_micros),
        reason: escapeHtml(entry.reason),
      }),
    );
    const older = result.next_cursor ? tokens.remember({ cursor: result.next_cursor, page: page.page + 1, previous: token ?? FIRST_PAGE }) : null;
    const text = lines.length ? [ctx.t('history-title', { page: page.page + 1 }), ...lines].join('\n\n') : ctx.t('history-empty');
    return { text, reply_markup: historyPagerKeyboard(ctx, { newer: page.page > 0 ? page.previous : null, older }) };
  }

  const showFirstPage = async (ctx: BotContext) => {
    const { text, reply_markup } = await renderPage(ctx, { cursor: null, page: 0, previous: null }, null);
    await ctx.reply(text, { parse_mode: 'HTML', reply_markup });
  };

  feature.command('history', privateOnly, showFirstPage);
  feature.callbackQuery(MENU.history, privateOnly, async (ctx) => {
    await ctx.answerCallbackQuery();
    await showFirstPage(ctx);
  });
  feature.callbackQuery(new RegExp(`^${HISTORY_PAGE_PREFIX}(.+)$`), privateOnly, async (ctx) => {
    const token = ctx.match[1]!;
    const page = token === FIRST_PAGE ? { cursor: null, page: 0, previous: null } : tokens.recall(token);
    await ctx.answerCallbackQuery(page ? undefined : { text: ctx.t('history-expired') });
    const { text, reply_markup } = await renderPage(ctx, page ?? { cursor: null, page: 0, previous: null }, page ? token : null);
    await ctx.editMessageText(text, { parse_mode: 'HTML', reply_markup });
  });
  return feature;
}
