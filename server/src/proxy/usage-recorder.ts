/**
 * Usage events of proxied calls, written to the store in batches off the request path
 * (about once a second, and on shutdown). The charge itself is never here: it is in the
 * ledger from the moment the call was reserved, so a lost usage batch loses statistics,
 * never money. A failed batch is kept for the next flush, up to a bound.
 */
import type { FastifyBaseLogger } from 'fastify';
import { asStoreUnavailable } from '../store/errors.js';
import type { Store, UsageEvent } from '../store/types.js';

const FLUSH_INTERVAL_MS = 1_000;
const FLUSH_AT = 500;
const MAX_PENDING = 50_000;

export class UsageRecorder {
  private pending: UsageEvent[] = [];
  private flushing: Promise<void> | null = null;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly store: Store, private readonly logger: FastifyBaseLogger) {
    this.timer = setInterval(() => void this.flush(), FLUSH_INTERVAL_MS);
    this.timer.unref();
  }

  record(event: UsageEvent): void {
    this.pending.push(event);
    if (this.pending.length >= FLUSH_AT) void this.flush();
  }

  /** Writes what is pending; concurrent callers wait for the same write. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.flushing = this.store
      .recordUsage(batch)
      .catch((error: unknown) => {
        if (asStoreUnavailable(error)?.maybeApplied) {
          // Sent, but Redis did not answer: it may have written the batch (or write it when it
          // wakes). Writing it again could count these calls twice; usage is statistics, the
          // charges are in the ledger, so the batch is given up rather than doubled.
          this.logger.error({ err: error, events: batch.length }, 'usage batch in doubt after a store outage: not written again');
          return;
        }
        const kept = Math.max(0, MAX_PENDING - this.pending.length);
        this.pending = batch.slice(0, kept).concat(this.pending);
        this.logger.warn({ err: error, events: batch.length, dropped: batch.length - kept }, 'could not record usage; retrying with the next batch');
      })
      .finally(() => {
        this.flushing = null;
      });
    await this.flushing;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
