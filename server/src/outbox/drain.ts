/**
 * The outbox drain: moves the events the store wrote for PostgreSQL (`Store.readOutbox`)
 * into it, at least once, and acknowledges them only after PostgreSQL committed them.
 * Inserts are idempotent (each event's id is unique; ON CONFLICT DO NOTHING), so a batch
 * written twice — a crash between commit and acknowledgement, two instances draining at
 * once — is kept once. PostgreSQL down or slow: the events wait in the store and the drain
 * retries with a growing pause; no request ever waits for it.
 */
import type { FastifyBaseLogger } from 'fastify';
import type pg from 'pg';
import type { OutboxBacklog, OutboxEvent, Store } from '../store/types.js';
import { migrate, withClient } from './postgres.js';

export interface OutboxDrainOptions {
  store: Store;
  pool: pg.Pool;
  logger: FastifyBaseLogger;
  /** Events per batch (one PostgreSQL transaction). */
  batchSize?: number;
  /** The pause when the outbox is empty. */
  idleMs?: number;
  /** The longest pause after failures (it doubles from idleMs up to this). */
  maxBackoffMs?: number;
  /** The Redis ledger's retention in days (0: keep every entry); see `trimOnce`. */
  retentionDays?: number;
  /** How often the retention runs. */
  trimIntervalMs?: number;
  /** Told the backlog after each pass (the metrics' gauges). */
  onBacklog?: (backlog: OutboxBacklog, now: Date) => void;
  /** Told after each pass whether it reached PostgreSQL and wrote what waited (the `kikuai_postgres_up` gauge). */
  onReachable?: (reachable: boolean) => void;
  now?: () => Date;
}

/** Entries one trim script removes at most (bounded work per script). */
const TRIM_BATCH = 1000;

export class OutboxDrain {
  private readonly options: Required<Omit<OutboxDrainOptions, 'onBacklog' | 'onReachable'>> & Pick<OutboxDrainOptions, 'onBacklog' | 'onReachable'>;
  private migrated = false;
  private stopped = false;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private failures = 0;
  private lastTrimMs = 0;

  constructor(options: OutboxDrainOptions) {
    this.options = { batchSize: 500, idleMs: 1000, maxBackoffMs: 30_000, retentionDays: 0, trimIntervalMs: 3_600_000, now: () => new Date(), ...options };
  }

  start(): void {
    this.schedule(0);
  }

  /** Drains until the outbox is empty (tests, shutdown); throws what PostgreSQL or the store threw. */
  async drainOnce(): Promise<number> {
    if (!this.migrated) {
      await migrate(this.options.pool);
      this.migrated = true;
    }
    let moved = 0;
    for (;;) {
      const batch = await this.options.store.readOutbox(this.options.batchSize);
      if (batch.events.length === 0) break;
      await writeEvents(this.options.pool, batch.events);
      await this.options.store.ackOutbox(batch.receipt);
      moved += batch.events.length;
    }
    this.options.onBacklog?.(await this.options.store.outboxBacklog(), this.options.now());
    return moved;
  }

  /**
   * The ledger's retention: removes from the store the entries older than `retentionDays`
   * that PostgreSQL has (the store decides what it can remove: `Store.trimLedger`). History
   * past it is read from PostgreSQL (`routes/billing.ts`). Returns how many were removed.
   */
  async trimOnce(): Promise<number> {
    const cutoff = new Date(this.options.now().getTime() - this.options.retentionDays * 86_400_000).toISOString();
    const { rows } = await this.options.pool.query<{ account_id: string; seq: string }>(
      'SELECT account_id, max(seq) AS seq FROM ledger_entries WHERE created_at < $1 GROUP BY account_id',
      [cutoff],
    );
    let removed = 0;
    for (const row of rows) {
      for (;;) {
        const count = await this.options.store.trimLedger(row.account_id, Number(row.seq), cutoff, TRIM_BATCH);
        removed += count;
        if (count < TRIM_BATCH) break;
      }
    }
    return removed;
  }

  async close(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.pass().finally(() => {
        this.running = null;
      });
    }, delayMs);
    this.timer.unref();
  }

  private async pass(): Promise<void> {
    try {
      await this.drainOnce();
      if (this.options.retentionDays > 0 && Date.now() - this.lastTrimMs >= this.options.trimIntervalMs) {
        this.lastTrimMs = Date.now();
        const removed = await this.trimOnce();
        if (removed > 0) this.options.logger.info({ removed }, 'ledger retention: entries now kept only in PostgreSQL');
      }
      if (this.failures > 0) this.options.logger.info({ failures: this.failures }, 'outbox drain: PostgreSQL reached again, caught up');
      this.failures = 0;
      this.options.onReachable?.(true);
    } catch (error) {
      this.failures += 1;
      this.options.onReachable?.(false);
      // Only the message: a driver error can carry the query's parameters.
      if (this.failures === 1 || this.failures % 20 === 0) {
        this.options.logger.warn({ failures: this.failures, error: (error as Error).message }, 'outbox drain failed; events wait in the store and are retried');
      }
      await this.options.store
        .outboxBacklog()
        .then((backlog) => this.options.onBacklog?.(backlog, this.options.now()))
        .catch(() => undefined);
    }
    const backoff = Math.min(this.options.maxBackoffMs, this.options.idleMs * 2 ** Math.min(this.failures, 10));
    this.schedule(this.failures === 0 ? this.options.idleMs : backoff);
  }
}

/** One transaction per batch; every insert keeps an event already there as it is. */
export async function writeEvents(pool: pg.Pool, events: OutboxEvent[]): Promise<void> {
  const ledger = events.filter((event): event is Extract<OutboxEvent, { type: 'ledger' }> => event.type === 'ledger');
  const accounts = events.filter((event): event is Extract<OutboxEvent, { type: 'account_created' }> => event.type === 'account_created');
  const activity = events.filter((event): event is Extract<OutboxEvent, { type: 'activity' }> => event.type === 'activity');
  await withClient(pool, async (client) => {
    try {
      await client.query('BEGIN');
      if (accounts.length > 0) {
        await client.query(
          `INSERT INTO accounts (id, telegram_id, created_at)
         SELECT * FROM unnest($1::text[], $2::bigint[], $3::timestamptz[]) ON CONFLICT DO NOTHING`,
          [accounts.map((event) => event.account_id), accounts.map((event) => String(event.telegram_id)), accounts.map((event) => event.at)],
        );
      }
      if (ledger.length > 0) {
        await client.query(
          `INSERT INTO ledger_entries (id, account_id, seq, kind, amount_micros, balance_after_micros, reason, external_ref, product_id, created_at)
         SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::bigint[], $6::bigint[], $7::text[], $8::text[], $9::text[], $10::timestamptz[])
         ON CONFLICT DO NOTHING`,
          [
            ledger.map((event) => event.entry.id),
            ledger.map((event) => event.account_id),
            ledger.map((event) => String(event.seq)),
            ledger.map((event) => event.entry.kind),
            ledger.map((event) => String(event.entry.amount_micros)),
            ledger.map((event) => String(event.entry.balance_after_micros)),
            ledger.map((event) => event.entry.reason),
            ledger.map((event) => event.entry.external_ref),
            ledger.map((event) => event.product_id),
            ledger.map((event) => event.entry.created_at),
          ],
        );
      }
      if (activity.length > 0) {
        await client.query(
          `INSERT INTO events (event_id, category, action, account_id, subject_id, at, data)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::jsonb[])
         ON CONFLICT DO NOTHING`,
          [
            activity.map((event) => event.event_id),
            activity.map((event) => event.category),
            activity.map((event) => event.action),
            activity.map((event) => event.account_id),
            activity.map((event) => event.subject_id),
            activity.map((event) => event.at),
            activity.map((event) => JSON.stringify(event.data)),
          ],
        );
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  });
}
