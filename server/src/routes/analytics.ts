/**
 * The operator's analytics (`adminGetStats`), read from PostgreSQL (`outbox/archive.ts`).
 * Without `DATABASE_URL`, or while PostgreSQL does not answer: 503 `service_unavailable`.
 */
import type { Services } from '../composition.js';
import { ApiProblem } from '../http/problem.js';
import { microsToUsd } from '../services/money.js';
import type { Handlers } from './types.js';

const DAY_MS = 86_400_000;
const MAX_STATS_DAYS = 400;
const isoDay = (date: Date) => date.toISOString().slice(0, 10);

export function analyticsRoutes(services: Services): Handlers {
  return {
    async adminGetStats(request) {
      const archive = services.postgres?.archive;
      if (!archive) throw new ApiProblem(503, 'service_unavailable', 'Analytics need PostgreSQL: set DATABASE_URL.', {}, { 'Retry-After': '3600' });
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
        throw new ApiProblem(503, 'service_unavailable', 'PostgreSQL does not answer; try again shortly.', {}, { 'Retry-After': '30' });
      }
      return {
        ...stats,
        revenue_per_day: stats.revenue_per_day.map((row) => ({ ...row, amount_usd: microsToUsd(row.amount_micros) })),
        products: stats.products.map((row) => ({ ...row, spend_usd: microsToUsd(row.spend_micros) })),
        top_accounts: stats.top_accounts.map((row) => ({ ...row, spend_usd: microsToUsd(row.spend_micros) })),
      };
    },
  };
}
