/**
 * Settles the reservations a crash left open (an instance killed between reserve and
 * settlement, or a settlement batch that was never written). Runs at start-up and then
 * every `KIKUAI_RECONCILE_INTERVAL_MS`, on every instance: it only looks at calls reserved
 * longer ago than the longest product timeout plus `KIKUAI_RECONCILE_GRACE_MS` (by then a
 * live instance has an answer or has given up, and has written what it knows), and each
 * call is settled or refunded by one atomic change that first closes its reservation, so
 * two reconcilers, or a reconciler and a late instance, never both act on one call.
 *
 * The rule (server/README.md, "Crashes"):
 * - `reserved` or `forwarded`: refunded. Nothing proves the customer received an answer.
 * - `answered`: kikuai had begun sending the upstream's answer, the same point from which
 *   a client that disconnects is charged: the charge is kept and the usage written.
 */
import type { FastifyBaseLogger } from 'fastify';
import { reconciledUsage } from '../store/logic.js';
import type { ServerEventBus } from '../events.js';
import type { CallSettlement, Store } from '../store/types.js';

const CALLS_PER_PASS = 1000;

export interface ReconcilerOptions {
  store: Store;
  logger: FastifyBaseLogger;
  now: () => Date;
  /** Balance crossings of the refunds (a refund may lift a balance back over its threshold). */
  events?: ServerEventBus;
  /** Calls reserved longer ago than this are settled. */
  settleAfterMs: number;
  intervalMs: number;
}

export interface ReconcileOutcome {
  refunded: number;
  kept: number;
}

export class CallReconciler {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<ReconcileOutcome> | null = null;

  constructor(private readonly options: ReconcilerOptions) {}

  start(): void {
    void this.reconcile();
    this.timer = setInterval(() => void this.reconcile(), this.options.intervalMs).unref();
  }

  /** One pass; concurrent callers share it. Never throws: a failed pass is logged and retried by the next. */
  reconcile(): Promise<ReconcileOutcome> {
    this.running ??= this.pass()
      .catch((error: unknown) => {
        this.options.logger.error({ err: error }, 'reconciling open calls failed; the next pass retries');
        return { refunded: 0, kept: 0 };
      })
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }

  private async pass(): Promise<ReconcileOutcome> {
    const { store, logger } = this.options;
    const now = this.options.now();
    const open = await store.listOpenCalls(now.getTime() - this.options.settleAfterMs, CALLS_PER_PASS);
    const outcome: ReconcileOutcome = { refunded: 0, kept: 0 };
    const kept: CallSettlement[] = [];
    for (const call of open) {
      if (call.state === 'answered') {
        kept.push({ ref: call.ref, usage: reconciledUsage(call, call.price_micros) });
        continue;
      }
      const result = await store.refundCall(
        {
          ref: call.ref,
          reason: `${call.product_id}/${call.endpoint} refunded: not settled (no answer known to have reached the customer)`,
          usage: reconciledUsage(call, 0),
          only_states: ['reserved', 'forwarded'],
        },
        now.toISOString(),
      );
      // Answered since it was listed (a late instance's batch): kept by the rule in this pass, not left open for the next.
      if (result.outcome === 'skipped' && result.state === 'answered') {
        kept.push({ ref: call.ref, usage: reconciledUsage({ ...call, state: 'answered', upstream_status: result.upstream_status }, call.price_micros) });
        continue;
      }
      if (result.outcome !== 'refunded') continue;
      outcome.refunded += 1;
      if (result.crossed)
        this.options.events?.emit('balance_crossed', { accountId: call.account_id, crossing: result.crossed, balanceMicros: result.balance_micros });
    }
    if (kept.length > 0) await store.settleCalls([], kept);
    outcome.kept = kept.length;
    if (open.length > 0) logger.warn({ ...outcome, open: open.length }, 'reconciled calls left open by a crash or a lost settlement');
    return outcome;
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }
}
