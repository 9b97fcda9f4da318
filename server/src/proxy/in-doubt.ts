/**
 * Calls whose charge is in doubt after a store outage, settled once the store answers again.
 *
 * A reservation sent to Redis that got no answer (Redis died after applying it, or hung and
 * applies it when it wakes) was answered 503 "nothing was charged". The same holds for a
 * refund that could not be written while Redis was down. Either way the call must end with
 * no charge: every second, while any is pending, each one is refunded through its open
 * reservation (`store.refundCall` on `call:<id>`: the refund entry, the call's usage and the
 * close of the reservation in one change, once — the same change the metered call's own
 * refund and the reconciler make, so a call is never refunded twice); a reservation that
 * was never applied is simply not there, and nothing was charged. The refund goes over the
 * same connection after the command in doubt, so Redis has applied or dropped that command
 * by the time it answers.
 *
 * In memory, per instance, and only faster: a process that dies with calls in doubt leaves
 * them to the reconciler (`call-reconciler.ts`), which refunds any reservation never
 * answered once it is older than the longest product timeout and a grace.
 */
import type { FastifyBaseLogger } from 'fastify';
import { asStoreUnavailable } from '../store/errors.js';
import type { BalanceCrossing, Store, UsageEvent } from '../store/types.js';

const RESOLVE_EVERY_MS = 1_000;
const MAX_IN_DOUBT = 10_000;

export interface InDoubtCall {
  /** The reservation's reference, `call:<callId>` (its refund is `refund:<callId>`). */
  ref: string;
  /** The refund entry's reason. */
  reason: string;
  /** The call's usage, written with the refund (an error, nothing charged). */
  usage: UsageEvent;
}

export class InDoubtCalls {
  private readonly pending = new Map<string, InDoubtCall>();
  private timer: NodeJS.Timeout | null = null;
  private resolving: Promise<void> | null = null;

  constructor(
    private readonly store: Store,
    private readonly logger: FastifyBaseLogger,
    private readonly now: () => Date,
    private readonly onRefund: (accountId: string, crossing: BalanceCrossing | null, balanceMicros: number) => void = () => undefined,
  ) {}

  get size(): number {
    return this.pending.size;
  }

  /** After a failed reservation: tracked only when the store may have applied it. */
  reservationFailed(error: unknown, call: InDoubtCall): void {
    if (asStoreUnavailable(error)?.maybeApplied) this.add(call);
  }

  /** A call charged for sure whose refund could not be written: it is refunded once the store is back. */
  refundOwed(call: InDoubtCall): void {
    this.add(call);
  }

  private add(call: InDoubtCall): void {
    if (this.pending.size >= MAX_IN_DOUBT) {
      this.logger.error(
        { ref: call.ref, account_id: call.usage.account_id },
        'too many calls in doubt: this one is left to the reconciliation of reservations',
      );
      return;
    }
    this.pending.set(call.ref, call);
    if (!this.timer) {
      this.timer = setInterval(() => void this.resolve(), RESOLVE_EVERY_MS).unref();
    }
  }

  /** One pass: settles what the store answers for, keeps the rest. Concurrent callers share it. */
  resolve(): Promise<void> {
    this.resolving ??= this.resolvePass().finally(() => {
      this.resolving = null;
    });
    return this.resolving;
  }

  private async resolvePass(): Promise<void> {
    for (const call of [...this.pending.values()]) {
      try {
        const result = await this.store.refundCall({ ref: call.ref, reason: call.reason, usage: call.usage }, this.now().toISOString());
        if (result.outcome === 'refunded') this.onRefund(call.usage.account_id, result.crossed, result.balance_micros);
        this.logger.info({ account_id: call.usage.account_id, ref: call.ref, outcome: result.outcome }, 'call in doubt after a store outage: settled');
        this.pending.delete(call.ref);
      } catch (error) {
        if (!asStoreUnavailable(error)) this.logger.error({ err: error, ref: call.ref, account_id: call.usage.account_id }, 'could not settle a call in doubt');
        return; // the store is still away: try again on the next pass
      }
    }
    if (this.pending.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  /** On shutdown: a last pass, then what is left is logged for the operator. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.pending.size > 0) await this.resolve();
    for (const call of this.pending.values())
      this.logger.error({ ref: call.ref, account_id: call.usage.account_id }, 'call still in doubt at shutdown: left to the reconciliation of reservations');
  }
}
