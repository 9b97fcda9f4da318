import type { RequestOptions } from '../request-options.js';
import type {
  Balance,
  DailyHistoryItem,
  DailyHistoryPage,
  DailyHistoryQuery,
  HistoryQuery,
  LedgerEntry,
  LedgerPage,
  UsageQuery,
  UsageReport,
} from '../types.js';
import { unwrap, type ResourceContext } from './context.js';

/**
 * The balance: `kikuai.balance`.
 *
 * @example
 * ```ts
 * const { balance_micros, low_balance } = await kikuai.balance.get();
 * ```
 */
export interface BalanceResource {
  /**
   * The balance in micro-USD, its display string, and whether it is below the threshold.
   *
   * @example
   * ```ts
   * const { balance_micros, balance_usd } = await kikuai.balance.get();
   * console.log(`${balance_usd} USD (${balance_micros} micro-USD)`);
   * ```
   */
  get(options?: RequestOptions): Promise<Balance>;
}

/**
 * Usage by UTC day, product and key: `kikuai.usage`.
 *
 * @example
 * ```ts
 * const { totals } = await kikuai.usage.get({ from: '2026-11-01', to: '2026-11-30' });
 * ```
 */
export interface UsageResource {
  /**
   * The usage report as JSON (default: the last 30 days).
   *
   * @example
   * ```ts
   * const { rows, totals } = await kikuai.usage.get({ product_id: 'reliapi' });
   * console.log(totals.requests, totals.cost_micros);
   * ```
   */
  get(query?: UsageQuery, options?: RequestOptions): Promise<UsageReport>;
  /**
   * The same rows as CSV text.
   *
   * @example
   * ```ts
   * const csv = await kikuai.usage.csv({ from: '2026-11-01', to: '2026-11-30' });
   * ```
   */
  csv(query?: UsageQuery, options?: RequestOptions): Promise<string>;
}

/**
 * The ledger of the balance, newest first, cursor-paginated: `kikuai.history`.
 *
 * @example
 * ```ts
 * for await (const entry of kikuai.history.iterate()) console.log(entry.kind, entry.amount_micros);
 * ```
 */
export interface HistoryResource {
  /**
   * One page: `data`, and `next_cursor` to pass as `cursor` (null on the last page).
   *
   * @example
   * ```ts
   * const first = await kikuai.history.list({ limit: 50 });
   * if (first.next_cursor) await kikuai.history.list({ limit: 50, cursor: first.next_cursor });
   * ```
   */
  list(query?: HistoryQuery, options?: RequestOptions): Promise<LedgerPage>;
  /**
   * Every page in turn, from `query.cursor` (or the start) to the last page.
   *
   * @example
   * ```ts
   * for await (const page of kikuai.history.pages({ limit: 100 })) console.log(page.data.length);
   * ```
   */
  pages(query?: HistoryQuery, options?: RequestOptions): AsyncGenerator<LedgerPage, void, undefined>;
  /**
   * Every entry of every page, fetching the next page only when the previous one is used up.
   *
   * @example
   * ```ts
   * let total = 0;
   * for await (const entry of kikuai.history.iterate({ limit: 100 })) total += entry.amount_micros;
   * ```
   */
  iterate(query?: HistoryQuery, options?: RequestOptions): AsyncGenerator<LedgerEntry, void, undefined>;
  /**
   * One page of the history as people read it: the per-call charges of each product and
   * UTC day on one row (`type: 'charges'`), every top-up, refund, adjustment and signup
   * credit on its own (`type: 'entry'`). A group's single calls:
   * `list({ kind: 'debit', day, product_id, cursor: calls_cursor })`.
   *
   * @example
   * ```ts
   * const { data } = await kikuai.history.daily({ limit: 20 });
   * for (const item of data) {
   *   if (item.type === 'charges') console.log(item.day, item.product_id, item.calls, item.amount_usd);
   *   else console.log(item.entry.kind, item.entry.amount_usd);
   * }
   * ```
   */
  daily(query?: DailyHistoryQuery, options?: RequestOptions): Promise<DailyHistoryPage>;
  /**
   * Every row of the daily history, fetching the next page only when the previous one is used up.
   *
   * @example
   * ```ts
   * for await (const item of kikuai.history.iterateDaily({ limit: 50 })) if (item.type === 'charges') console.log(item.calls);
   * ```
   */
  iterateDaily(query?: DailyHistoryQuery, options?: RequestOptions): AsyncGenerator<DailyHistoryItem, void, undefined>;
}

export function createBalanceResource(context: ResourceContext): BalanceResource {
  return { get: (options) => unwrap(context.raw.GET('/api/v1/balance', context.init(options))) };
}

export function createUsageResource(context: ResourceContext): UsageResource {
  const { raw } = context;
  return {
    get: async (query, options) =>
      (await unwrap(raw.GET('/api/v1/usage', { params: { query: { ...query, format: 'json' } }, ...context.init(options) }))) as UsageReport,
    csv: async (query, options) => {
      const init = context.init(options);
      const text = await unwrap(
        raw.GET('/api/v1/usage', {
          params: { query: { ...query, format: 'csv' } },
          parseAs: 'text',
          ...init,
          headers: { Accept: 'text/csv', ...init.headers },
        }),
      );
      return text ?? '';
    },
  };
}

/** Every page from `query.cursor` (or the start) to the last, each fetched when the previous one was used. */
async function* paginate<Query extends { cursor?: string }, Page extends { next_cursor: string | null }>(
  fetchPage: (query: Query) => Promise<Page>,
  query: Query,
): AsyncGenerator<Page, void, undefined> {
  let cursor = query.cursor;
  for (;;) {
    const page = await fetchPage({ ...query, cursor });
    yield page;
    if (!page.next_cursor) return;
    cursor = page.next_cursor;
  }
}

export function createHistoryResource(context: ResourceContext): HistoryResource {
  const list = (query: HistoryQuery | undefined, options: RequestOptions | undefined) =>
    unwrap(context.raw.GET('/api/v1/history', { params: { query: query ?? {} }, ...context.init(options) }));
  const daily = (query: DailyHistoryQuery | undefined, options: RequestOptions | undefined) =>
    unwrap(context.raw.GET('/api/v1/history/daily', { params: { query: query ?? {} }, ...context.init(options) }));
  const pages = (query?: HistoryQuery, options?: RequestOptions) => paginate((next: HistoryQuery) => list(next, options), query ?? {});
  return {
    list,
    pages,
    async *iterate(query, options) {
      for await (const page of pages(query, options)) yield* page.data;
    },
    daily,
    async *iterateDaily(query, options) {
      for await (const page of paginate((next: DailyHistoryQuery) => daily(next, options), query ?? {})) yield* page.data;
    },
  };
}
