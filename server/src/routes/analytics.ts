/**
 * The operator's reads of PostgreSQL (`outbox/archive.ts`): analytics (`adminGetStats`) and
 * an account's record (`adminListAccountEvents`). Without `DATABASE_URL`, or while
 * PostgreSQL does not answer: 503 `service_unavailable`.
 */
import type { Services } from '../composition.js';
import { ApiProblem, notFound } from '../http/problem.js';
import type { EventPosition } from '../outbox/archive.js';
import { microsToUsd } from '../services/money.js';
import type { Handlers } from './types.js';

const DAY_MS = 86_400_000;
const MAX_STATS_DAYS = 400;
const isoDay = (date: Date) => date.toISOString().slice(0, 10);

/** Event cursors wrap the position of the last event returned: `e1:<at>|<event id>`. */
function encodeEventCursor(position: EventPosition): string {
  return Buffer.from(`e1:${position.at}|${position.event_id}`).toString('base64url');
}

function decodeEventCursor(cursor: string): EventPosition {
  const match = /^e1:(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)\|(.+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match || Number.isNaN(Date.parse(match[1]!))) {
    throw new ApiProblem(400, 'validation_failed', 'query/cursor is not a cursor this API gave. Start again without it.');
  }
  return { at: match[1]!, event_id: match[2]! };
}

function postgresDown(what: string): ApiProblem {
  return new ApiProblem(503, 'service_unavailable', `${what} need PostgreSQL: set DATABASE_URL.`, {}, { 'Retry-After': '3600' });
}

function postgresNotAnswering(): ApiProblem {
  return new ApiProblem(503, 'service_unavailable', 'PostgreSQL does not answer; try again shortly.', {}, { 'Retry-After': '30' });
}

export function analyticsRoutes(services: Services): Handlers {
  return {
    async adminGetStats(request) {
      const archive = services.postgres?.archive;
      if (!archive) throw postgresDown('Analytics');
      const query = request.query;
      const to = query.to ?? isoDay(services.now());
      const from = query.from ?? isoDay(new Date(Date.parse(to) - 29 * DAY_MS));
      const days = (Date.parse(to) - Date.parse(from)) / DAY_MS + 1;
      if (days < 1) throw new ApiProblem(400, 'validation_failed', 'query/from must not be after query/to.');
      if (days > MAX_STATS_DAYS) throw new ApiProblem(400, 'validation_failed', `A stats range holds at most ${MAX_STATS_DAYS} days.`);
      let stats;
      try {
        stats = await archive.analytics(from, to, query.top ?? 10);
      } catch (error) {
        request.log.warn({ error: (error as Error).message }, 'analytics: PostgreSQL did not answer');
        throw postgresNotAnswering();
      }
      return {
        ...stats,
        revenue_per_day: stats.revenue_per_day.map((row) => ({ ...row, amount_usd: microsToUsd(row.amount_micros) })),
        products: stats.products.map((row) => ({ ...row, spend_usd: microsToUsd(row.spend_micros) })),
        top_accounts: stats.top_accounts.map((row) => ({ ...row, spend_usd: microsToUsd(row.spend_micros) })),
      };
    },

    async adminListAccountEvents(request) {
      const archive = services.postgres?.archive;
      if (!archive) throw postgresDown("An account's events");
      const { limit = 20, cursor, category = null } = request.query;
      const before = cursor ? decodeEventCursor(cursor) : null;
      const accountId = request.params.account_id;
      if (!(await services.store.getAccount(accountId))) throw notFound('This account');
      let rows;
      try {
        rows = await archive.accountEvents(accountId, { limit: limit + 1, before, category });
      } catch (error) {
        request.log.warn({ error: (error as Error).message }, 'account events: PostgreSQL did not answer');
        throw postgresNotAnswering();
      }
      const page = rows.slice(0, limit);
      return { data: page, next_cursor: rows.length > limit ? encodeEventCursor(page.at(-1)!) : null };
    },
  };
}
