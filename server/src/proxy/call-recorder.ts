/**
 * What happens to a reserved call after the reserve, written to the store in batches off
 * the request path (every 100 ms or 64 calls, and on shutdown): its state changes (forwarded,
 * answered) while it is in flight, and its settlement — the charge kept, its usage written
 * and its reservation closed in one atomic change (`store.settleCalls`). A refund does not
 * wait for a batch: it is its own atomic change (`store.refundCall`), as before.
 *
 * A crash loses at most the last batch. The reservation it would have settled stays open in
 * the store, and the reconciler (`call-reconciler.ts`) settles it by the documented rule; so
 * usage, the CSV export and the ledger still agree, call for call.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { CallSettlement, CallTransition, Store, UsageEvent } from '../store/types.js';

// Small batches, often: a batch is one synchronous piece of work for the event loop (on
// SQLite a transaction, on Redis a script and its reply), and a batch of 500 held every
// request behind it for 6–13 ms, once a second, which is what an open-loop load's p99 saw.
// At 64 a batch takes about a millisecond, and it costs a store round trip per 64 calls.
const FLUSH_INTERVAL_MS = 100;
const FLUSH_AT = 64;
/** The most settlements one batch takes, however many waited (a slow store lets them pile up). */
const MAX_BATCH = 128;
const MAX_PENDING = 50_000;

interface InFlight {
  account_id: string;
  state: 'forwarded' | 'answered';
  upstream_status: number | null;
  /** The state the store last heard of (null: still `reserved` there). */
  written: 'forwarded' | 'answered' | null;
}

export class CallRecorder {
  private readonly inFlight = new Map<string, InFlight>();
  private pending: CallSettlement[] = [];
  private flushing: Promise<void> | null = null;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly store: Store,
    private readonly logger: FastifyBaseLogger,
  ) {
    this.timer = setInterval(() => void this.flush(), FLUSH_INTERVAL_MS).unref();
  }

  /** The request is about to go upstream. */
  forwarded(accountId: string, ref: string): void {
    this.inFlight.set(ref, { account_id: accountId, state: 'forwarded', upstream_status: null, written: null });
  }

  /** kikuai begins sending the upstream's answer to the customer: from here the charge is kept. */
  answered(ref: string, upstreamStatus: number): void {
    const call = this.inFlight.get(ref);
    if (call) {
      call.state = 'answered';
      call.upstream_status = upstreamStatus;
    }
  }

  /** The call is over and its charge kept. */
  settled(ref: string, usage: UsageEvent): void {
    this.inFlight.delete(ref);
    this.pending.push({ ref, usage });
    if (this.pending.length >= FLUSH_AT) void this.flush();
  }

  /** The call was refunded (or is left to the reconciler): nothing more to write for it. */
  closed(ref: string): void {
    this.inFlight.delete(ref);
  }

  /** Calls reserved by this process whose settlement the store has not yet written (the `kikuai_reservations_pending` gauge). */
  get openCount(): number {
    return this.inFlight.size + this.pending.length;
  }

  /** Writes what is pending; concurrent callers wait for the same write. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    const transitions: CallTransition[] = [];
    const written: Array<[InFlight, 'forwarded' | 'answered']> = [];
    for (const [ref, call] of this.inFlight) {
      if (call.written === call.state) continue;
      transitions.push({ account_id: call.account_id, ref, state: call.state, upstream_status: call.upstream_status });
      written.push([call, call.state]);
    }
    if (transitions.length === 0 && this.pending.length === 0) return;
    const batch = this.pending.splice(0, MAX_BATCH);
    let stored = false;
    this.flushing = this.store
      .settleCalls(transitions, batch)
      .then(() => {
        for (const [call, state] of written) call.written = state;
        stored = true;
      })
      .catch((error: unknown) => {
        // Kept for the next flush. Past the bound, settlements are dropped here but not lost:
        // their reservations stay open and the reconciler settles them.
        const kept = Math.max(0, MAX_PENDING - this.pending.length);
        this.pending = batch.slice(0, kept).concat(this.pending);
        this.logger.warn({ err: error, settlements: batch.length, dropped: batch.length - kept }, 'could not settle calls; retrying with the next batch');
      })
      .finally(() => {
        this.flushing = null;
      });
    await this.flushing;
    // What piled up past one batch goes in the next, right away (not when the store failed:
    // the timer retries then).
    if (stored && this.pending.length >= FLUSH_AT) await this.flush();
  }

  /** Stops the timer and writes everything pending, batch by batch, while the store takes them. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    let before: number;
    do {
      before = this.pending.length;
      await this.flush();
    } while (this.pending.length > 0 && this.pending.length < before);
  }
}
