import type { Services } from '../composition.js';
import type { ServerContext } from '../context.js';
import { listLedgerWithArchive } from '../outbox/history.js';
import { requireAccount } from '../auth/authenticate.js';
import { InvalidCursorError } from '../store/logic.js';
import { ApiProblem } from '../http/problem.js';
import { microsToUsd } from '../services/money.js';
import { presentHistoryItem, presentLedgerEntry, presentUsageRow } from '../services/presenters.js';
import { sent, type Handlers } from './types.js';

const DAY_MS = 86_400_000;
const MAX_USAGE_DAYS = 400;

const isoDay = (date: Date) => date.toISOString().slice(0, 10);

function csvField(value: string | number): string {
  const text = String(value);
  return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

async function withCursor<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof InvalidCursorError) {
      throw new ApiProblem(400, 'validation_failed', 'query/cursor is not a cursor this API gave. Start again without it.');
    }
    throw error;
  }
}

export function billingRoutes(context: ServerContext & Pick<Services, 'postgres'>): Handlers {
  const { store } = context;
  // Past the ledger's retention, history comes from PostgreSQL (only a store that trims needs it).
  const archive = context.config.ledgerRetentionDays > 0 ? (context.postgres?.archive ?? null) : null;
  return {
    async getBalance(request) {
      const account = requireAccount(request);
      const threshold = account.low_balance_threshold_micros;
      return {
        balance_micros: account.balance_micros,
        balance_usd: microsToUsd(account.balance_micros),
        currency: 'USD',
        low_balance_threshold_micros: threshold,
        low_balance: threshold !== null && account.balance_micros < threshold,
        account_status: account.status,
      };
    },

    async listHistory(request) {
      const account = requireAccount(request);
      const { limit = 20, cursor = null, kind, day, product_id } = request.query;
      const filtered = kind !== undefined || day !== undefined || product_id !== undefined;
      // The single calls of a group come from the store; the plain list continues from PostgreSQL past the retention.
      const page = await withCursor(() =>
        filtered
          ? store.filterLedger(account.id, { limit, cursor, ...(kind ? { kind } : {}), ...(day ? { day } : {}), ...(product_id ? { product_id } : {}) })
          : listLedgerWithArchive(store, archive, account.id, { limit, cursor }),
      );
      return { data: page.items.map(presentLedgerEntry), next_cursor: page.next_cursor };
    },

    async listDailyHistory(request) {
      const account = requireAccount(request);
      const { limit = 20, cursor = null } = request.query;
      const page = await withCursor(() => store.listDailyHistory(account.id, { limit, cursor }));
      return { data: page.items.map(presentHistoryItem), next_cursor: page.next_cursor };
    },

    async getUsage(request, reply) {
      const account = requireAccount(request);
      const query = request.query;
      const to = query.to ?? isoDay(context.now());
      const from = query.from ?? isoDay(new Date(Date.parse(to) - 29 * DAY_MS));
      const days = (Date.parse(to) - Date.parse(from)) / DAY_MS + 1;
      if (days < 1) throw new ApiProblem(400, 'validation_failed', 'query/from must not be after query/to.');
      if (days > MAX_USAGE_DAYS) throw new ApiProblem(400, 'validation_failed', `A usage range holds at most ${MAX_USAGE_DAYS} days.`);
      const rows = (await store.getUsage(account.id, from, to))
        .filter((row) => (!query.product_id || row.product_id === query.product_id) && (!query.key_id || row.key_id === query.key_id))
        .sort((a, b) => a.day.localeCompare(b.day) || a.product_id.localeCompare(b.product_id) || a.key_id.localeCompare(b.key_id))
        .map(presentUsageRow);
      if (query.format === 'csv') {
        const header = 'day,product_id,key_id,requests,errors,cost_micros,cost_usd,avg_latency_ms';
        const lines = rows.map((row) =>
          [row.day, row.product_id, row.key_id, row.requests, row.errors, row.cost_micros, row.cost_usd, row.avg_latency_ms].map(csvField).join(','),
        );
        reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="kikuai-usage-${from}-${to}.csv"`);
        return sent(reply, 200, [header, ...lines].join('\n') + '\n');
      }
      const totals = rows.reduce(
        (sum, row) => ({ requests: sum.requests + row.requests, errors: sum.errors + row.errors, cost_micros: sum.cost_micros + row.cost_micros }),
        { requests: 0, errors: 0, cost_micros: 0 },
      );
      return { from, to, rows, totals: { ...totals, cost_usd: microsToUsd(totals.cost_micros) } };
    },
  };
}
