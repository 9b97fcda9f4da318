import type { DailyHistoryItem } from '@kikuai/sdk';
import { Composer } from 'grammy';
import type { BotContext } from '../context.js';
import { FIRST_PAGE, HISTORY_CALLS_PREFIX, HISTORY_PAGE_PREFIX, historyPagerKeyboard, type GroupButton } from '../keyboards/history-pager.js';
import { MENU } from '../keyboards/main-menu.js';
import { privateOnly } from '../middlewares/private-only.js';
import { escapeHtml, formatMoney, formatTime } from '../services/format.js';
import { PageTokens, type HistoryPage } from '../services/page-tokens.js';

const PAGE_SIZE = 5;
const CALLS_PAGE_SIZE = 10;
const FIRST: HistoryPage = { cursor: null, page: 0, previous: null };

type Rendered = { text: string; reply_markup: ReturnType<typeof historyPagerKeyboard> };

/**
 * /history: the ledger, newest first, with the calls of one product on one UTC day on one
 * line and a button under the page to list that line's single calls. Top-ups, refunds and
 * adjustments keep lines of their own. Buttons edit the message in place.
 */
export function createHistoryFeature(tokens = new PageTokens()): Composer<BotContext> {
  const feature = new Composer<BotContext>();

  const itemLine = (ctx: BotContext, item: DailyHistoryItem) =>
    item.type === 'charges'
      ? ctx.t('history-group', {
          day: item.day,
          product: escapeHtml(item.product_id),
          calls: item.calls,
          amount: formatMoney(ctx, item.amount_micros),
          from: item.first_at.slice(11, 16),
          to: item.last_at.slice(11, 16),
        })
      : ctx.t('history-entry', {
          time: formatTime(item.entry.created_at),
          kind: ctx.t(`history-kind-${item.entry.kind}`),
          amount: formatMoney(ctx, item.entry.amount_micros, { sign: 'always' }),
          balance: formatMoney(ctx, item.entry.balance_after_micros),
          reason: escapeHtml(item.entry.reason),
        });

  async function renderPage(ctx: BotContext, page: HistoryPage, token: string | null): Promise<Rendered> {
    const result = await ctx.kikuai.history.daily({ limit: PAGE_SIZE, ...(page.cursor ? { cursor: page.cursor } : {}) });
    const here = token ?? FIRST_PAGE;
    const groups: GroupButton[] = result.data.flatMap((item) =>
      item.type === 'charges'
        ? [
            {
              label: `${item.product_id} · ${item.day.slice(5)}`,
              token: tokens.remember({ cursor: item.calls_cursor, page: 0, previous: null, calls: { day: item.day, product_id: item.product_id, back: here } }),
            },
          ]
        : [],
    );
    const older = result.next_cursor ? tokens.remember({ cursor: result.next_cursor, page: page.page + 1, previous: here }) : null;
    const lines = result.data.map((item) => itemLine(ctx, item));
    const text = lines.length ? [ctx.t('history-title', { page: page.page + 1 }), ...lines].join('\n\n') : ctx.t('history-empty');
    return { text, reply_markup: historyPagerKeyboard(ctx, { newer: page.page > 0 ? page.previous : null, older, groups }) };
  }

  async function renderCalls(ctx: BotContext, page: HistoryPage & { calls: NonNullable<HistoryPage['calls']> }, token: string): Promise<Rendered> {
    const { day, product_id, back } = page.calls;
    const result = await ctx.kikuai.history.list({ limit: CALLS_PAGE_SIZE, kind: 'debit', day, product_id, ...(page.cursor ? { cursor: page.cursor } : {}) });
    const lines = result.data.map((entry) =>
      ctx.t('history-call', { time: formatTime(entry.created_at), amount: formatMoney(ctx, entry.amount_micros), reason: escapeHtml(entry.reason) }),
    );
    const older = result.next_cursor ? tokens.remember({ cursor: result.next_cursor, page: page.page + 1, previous: token, calls: page.calls }) : null;
    const title = ctx.t('history-calls-title', { product: escapeHtml(product_id), day, page: page.page + 1 });
    const text = [title, ...(lines.length ? lines : [ctx.t('history-calls-none')])].join('\n');
    return { text, reply_markup: historyPagerKeyboard(ctx, { newer: page.page > 0 ? page.previous : null, older, back, prefix: HISTORY_CALLS_PREFIX }) };
  }

  const showFirstPage = async (ctx: BotContext) => {
    const { text, reply_markup } = await renderPage(ctx, FIRST, null);
    await ctx.reply(text, { parse_mode: 'HTML', reply_markup });
  };

  feature.command('history', privateOnly, showFirstPage);
  feature.callbackQuery(MENU.history, privateOnly, async (ctx) => {
    await ctx.answerCallbackQuery();
    await showFirstPage(ctx);
  });
  feature.callbackQuery(new RegExp(`^${HISTORY_PAGE_PREFIX}(.+)$`), privateOnly, async (ctx) => {
    const token = ctx.match[1]!;
    const page = token === FIRST_PAGE ? FIRST : tokens.recall(token);
    await ctx.answerCallbackQuery(page ? undefined : { text: ctx.t('history-expired') });
    const { text, reply_markup } = await renderPage(ctx, page ?? FIRST, page ? token : null);
    await ctx.editMessageText(text, { parse_mode: 'HTML', reply_markup });
  });
  feature.callbackQuery(new RegExp(`^${HISTORY_CALLS_PREFIX}(.+)$`), privateOnly, async (ctx) => {
    const token = ctx.match[1]!;
    const page = tokens.recall(token);
    await ctx.answerCallbackQuery(page?.calls ? undefined : { text: ctx.t('history-expired') });
    const { text, reply_markup } = page?.calls ? await renderCalls(ctx, { ...page, calls: page.calls }, token) : await renderPage(ctx, FIRST, null);
    await ctx.editMessageText(text, { parse_mode: 'HTML', reply_markup });
  });
  return feature;
}
