/**
 * Reads of the PostgreSQL archive the outbox drain fills: the operator's analytics and the
 * ledger past what the primary store keeps. Days are UTC; amounts integer micro-USD.
 */
import type pg from 'pg';
import type { ActivityCategory, LedgerEntry, LedgerKind } from '../store/types.js';

export interface DayCount {
  day: string;
  count: number;
}

export interface Analytics {
  from: string;
  to: string;
  users: { total: number; new_per_day: DayCount[]; active_per_day: DayCount[] };
  revenue_per_day: Array<{ day: string; provider: string; payments: number; amount_micros: number }>;
  products: Array<{ product_id: string; calls: number; refunded_calls: number; spend_micros: number }>;
  top_accounts: Array<{ account_id: string; calls: number; spend_micros: number }>;
}

const DAY = `to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')`;
const IN_RANGE = `created_at >= ($1::date)::timestamp AT TIME ZONE 'UTC' AND created_at < ($2::date + 1)::timestamp AT TIME ZONE 'UTC'`;
/** A metered call's debit (it names its product) with its net price: less the refund of the call, if any (logic.ts callRefundRef). */
const CALLS = `
  WITH calls AS (
    SELECT c.account_id, c.product_id, -c.amount_micros - coalesce(r.amount_micros, 0) AS spend, (r.id IS NOT NULL) AS refunded
    FROM ledger_entries c
    LEFT JOIN ledger_entries r ON r.account_id = c.account_id AND r.kind = 'refund'
      AND r.external_ref = 'refund:' || CASE WHEN c.external_ref LIKE 'call:%' THEN substr(c.external_ref, 6) ELSE c.external_ref END
    WHERE c.product_id IS NOT NULL AND c.kind = 'debit' AND ${IN_RANGE.replaceAll('created_at', 'c.created_at')}
  )`;

/** An account's event as `events` keeps it (`ActivityEvent` without its outbox type). */
export interface AccountEventRow {
  event_id: string;
  category: ActivityCategory;
  action: string;
  account_id: string;
  subject_id: string | null;
  at: string;
  data: Record<string, unknown>;
}

/** Where a page of events stops: the last event returned (events are ordered by time, then id). */
export interface EventPosition {
  at: string;
  event_id: string;
}

export class Archive {
  constructor(private readonly pool: pg.Pool) {}

  /** Days `from`…`to` inclusive (YYYY-MM-DD, UTC); `top`: how many accounts to rank. */
  async analytics(from: string, to: string, top: number): Promise<Analytics> {
    const range = [from, to];
    const [total, created, active, revenue, products, accounts] = await Promise.all([
      this.pool.query<{ total: string }>(`SELECT count(*) AS total FROM accounts WHERE created_at < ($1::date + 1)::timestamp AT TIME ZONE 'UTC'`, [to]),
      this.pool.query<{ day: string; count: string }>(`SELECT ${DAY} AS day, count(*) AS count FROM accounts WHERE ${IN_RANGE} GROUP BY 1 ORDER BY 1`, range),
      this.pool.query<{ day: string; count: string }>(
        `SELECT ${DAY} AS day, count(DISTINCT account_id) AS count FROM ledger_entries WHERE product_id IS NOT NULL AND kind = 'debit' AND ${IN_RANGE} GROUP BY 1 ORDER BY 1`,
        range,
      ),
      // Payment credits (payments/ledger.ts ledgerRefs): `paddle:<transaction>`, `stars:<charge>`.
      this.pool.query<{ day: string; provider: string; payments: string; amount: string }>(
        `SELECT ${DAY} AS day, split_part(external_ref, ':', 1) AS provider, count(*) AS payments, sum(amount_micros) AS amount
         FROM ledger_entries
         WHERE kind = 'credit' AND ((external_ref LIKE 'paddle:%' AND external_ref NOT LIKE 'paddle:adj:%') OR external_ref LIKE 'stars:%') AND ${IN_RANGE}
         GROUP BY 1, 2 ORDER BY 1, 2`,
        range,
      ),
      this.pool.query<{ product_id: string; calls: string; refunded: string; spend: string }>(
        `${CALLS} SELECT product_id, count(*) AS calls, count(*) FILTER (WHERE refunded) AS refunded, sum(spend) AS spend FROM calls GROUP BY 1 ORDER BY 1`,
        range,
      ),
      this.pool.query<{ account_id: string; calls: string; spend: string }>(
        `${CALLS} SELECT account_id, count(*) AS calls, sum(spend) AS spend FROM calls GROUP BY 1 ORDER BY 3 DESC, 1 LIMIT $3`,
        [...range, top],
      ),
    ]);
    const days = (rows: Array<{ day: string; count: string }>) => rows.map((row) => ({ day: row.day, count: Number(row.count) }));
    return {
      from,
      to,
      users: { total: Number(total.rows[0]!.total), new_per_day: days(created.rows), active_per_day: days(active.rows) },
      revenue_per_day: revenue.rows.map((row) => ({ day: row.day, provider: row.provider, payments: Number(row.payments), amount_micros: Number(row.amount) })),
      products: products.rows.map((row) => ({
        product_id: row.product_id,
        calls: Number(row.calls),
        refunded_calls: Number(row.refunded),
        spend_micros: Number(row.spend),
      })),
      top_accounts: accounts.rows.map((row) => ({ account_id: row.account_id, calls: Number(row.calls), spend_micros: Number(row.spend) })),
    };
  }

  /** An account's events before `before` (none: from the newest), newest first; `category`: only those. */
  async accountEvents(
    accountId: string,
    options: { limit: number; before: EventPosition | null; category: ActivityCategory | null },
  ): Promise<AccountEventRow[]> {
    const { rows } = await this.pool.query<Omit<AccountEventRow, 'at'> & { at: Date }>(
      `SELECT event_id, category, action, account_id, subject_id, at, data FROM events
       WHERE account_id = $1 AND ($2::text IS NULL OR category = $2)
         AND ($3::timestamptz IS NULL OR (at, event_id) < ($3::timestamptz, $4::text))
       ORDER BY at DESC, event_id DESC LIMIT $5`,
      [accountId, options.category, options.before?.at ?? null, options.before?.event_id ?? null, options.limit],
    );
    return rows.map((row) => ({ ...row, at: row.at.toISOString() }));
  }

  /**
   * An account's entries older than `before` (a sequence number, or the entry with this id;
   * neither, or an id PostgreSQL does not have yet: from the newest), newest first.
   */
  async ledgerBefore(accountId: string, before: { seq?: number; id?: string }, limit: number): Promise<Array<LedgerEntry & { seq: number }>> {
    const { rows } = await this.pool.query<Record<string, string | Date | null>>(
      `SELECT id, seq, kind, amount_micros, balance_after_micros, reason, external_ref, created_at FROM ledger_entries
       WHERE account_id = $1 AND seq < coalesce($2::bigint, (SELECT seq FROM ledger_entries WHERE id = $3), 9223372036854775807)
       ORDER BY seq DESC LIMIT $4`,
      [accountId, before.seq === undefined ? null : String(before.seq), before.id ?? null, limit],
    );
    return rows.map((row) => ({
      id: String(row.id),
      account_id: accountId,
      kind: String(row.kind) as LedgerKind,
      amount_micros: Number(row.amount_micros),
      balance_after_micros: Number(row.balance_after_micros),
      reason: String(row.reason),
      external_ref: row.external_ref === null ? null : String(row.external_ref),
      created_at: (row.created_at as Date).toISOString(),
      seq: Number(row.seq),
    }));
  }
}
