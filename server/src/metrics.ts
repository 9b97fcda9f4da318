/**
 * Prometheus metrics (`/metrics`): requests and latency by route and status, store
 * latency by operation, and money moved through the ledger.
 */
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { STORE_OPERATIONS, type CallRefundResult, type LedgerEntry, type LedgerResult, type ReserveResult, type Store } from './store/types.js';
import { FastCounter, FastHistogram, type CounterSeries, type HistogramSeries } from './metric-series.js';

export class Metrics {
  readonly registry = new Registry();
  readonly requests = new FastCounter('kikuai_http_requests_total', 'HTTP requests by route, method and status.', this.registry);
  readonly requestDuration = new FastHistogram(
    'kikuai_http_request_duration_seconds',
    'HTTP request latency by route.',
    [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    this.registry,
  );
  readonly storeDuration = new FastHistogram(
    'kikuai_store_operation_duration_seconds',
    'Store latency by operation.',
    [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 1],
    this.registry,
  );
  readonly credited = new FastCounter('kikuai_money_credited_micros_total', 'Micro-USD added to balances, by ledger kind.', this.registry);
  readonly debited = new FastCounter('kikuai_money_debited_micros_total', 'Micro-USD taken from balances, by ledger kind.', this.registry);
  readonly paymentIncidents = new FastCounter(
    'kikuai_payment_incidents_total',
    'Payment events that moved no money and were kept for the operator, by kind.',
    this.registry,
  );

  // The outbox to PostgreSQL (`outbox/drain.ts`), set after each drain pass; 0 without DATABASE_URL.
  readonly outboxPending = new Gauge({ name: 'kikuai_outbox_pending', help: 'Outbox events not yet in PostgreSQL.', registers: [this.registry] });
  readonly outboxLag = new Gauge({
    name: 'kikuai_outbox_lag_seconds',
    help: 'Age of the oldest outbox event not yet in PostgreSQL (0 when none waits).',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'kikuai_' });
  }

  // Series per route, method and status, resolved once (nested maps: no key to build per request).
  private readonly requestSeries = new Map<string, Map<string, Map<number, { count: CounterSeries; duration: HistogramSeries }>>>();

  observeRequest(route: string, method: string, status: number, seconds: number): void {
    let byMethod = this.requestSeries.get(route);
    if (!byMethod) this.requestSeries.set(route, (byMethod = new Map<string, Map<number, { count: CounterSeries; duration: HistogramSeries }>>()));
    let byStatus = byMethod.get(method);
    if (!byStatus) byMethod.set(method, (byStatus = new Map<number, { count: CounterSeries; duration: HistogramSeries }>()));
    let series = byStatus.get(status);
    if (!series) {
      series = { count: this.requests.series({ route, method, status: String(status) }), duration: this.requestDuration.series({ route, method }) };
      byStatus.set(status, series);
    }
    series.count.inc();
    series.duration.observe(seconds);
  }

  countPaymentIncident(kind: string): void {
    this.paymentIncidents.series({ kind }).inc();
  }

  private readonly moneyChildren = new Map<string, CounterSeries>();

  countLedger(result: LedgerResult | ReserveResult | CallRefundResult): void {
    let entry: LedgerEntry;
    if ('outcome' in result) {
      if (result.outcome !== 'refunded') return;
      entry = result.entry;
    } else {
      if (!result.ok || !('entry' in result) || ('applied' in result && !result.applied)) return;
      entry = result.entry;
    }
    const { amount_micros: amount, kind } = entry;
    const id = `${amount > 0 ? '+' : '-'}${kind}`;
    let child = this.moneyChildren.get(id);
    if (!child) this.moneyChildren.set(id, (child = (amount > 0 ? this.credited : this.debited).series({ kind })));
    child.inc(Math.abs(amount));
  }

  /**
   * The store with every call timed, and ledger changes counted. The wrappers are made
   * once (not per call), and each operation's histogram child is resolved once, so the
   * hot path pays two clock reads and an observe.
   */
  instrument(store: Store): Store {
    const wrapped = Object.create(store) as Store;
    const wrappers = wrapped as unknown as Record<string, unknown>;
    // The interface's operations only: an adapter's own helpers would be dead series.
    for (const name of STORE_OPERATIONS) {
      const method: unknown = (store as unknown as Record<string, unknown>)[name];
      if (name === 'close' || typeof method !== 'function') continue;
      const timer = this.storeDuration.series({ operation: name });
      const countsMoney = name === 'applyLedger' || name === 'reserve' || name === 'refundCall';
      // No async wrapper (one promise and one await fewer per call), and a float clock.
      wrappers[name] = (...args: unknown[]) => {
        const started = performance.now();
        return (method as (...a: unknown[]) => Promise<unknown>).apply(store, args).then(
          (result) => {
            timer.observe((performance.now() - started) / 1000);
            if (countsMoney) this.countLedger(result as LedgerResult);
            return result;
          },
          (error: unknown) => {
            timer.observe((performance.now() - started) / 1000);
            throw error;
          },
        );
      };
    }
    wrapped.close = () => store.close();
    return wrapped;
  }
}
