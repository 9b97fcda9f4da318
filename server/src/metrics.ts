/**
 * Prometheus metrics (`/metrics`): requests and latency by route and status, store
 * latency and errors by operation, money moved through the ledger, metered calls and
 * upstreams by product, payments by provider, accounts, reservations and the outbox.
 *
 * Every label set is bounded: routes are the spec's, products the catalog's, outcomes,
 * providers and reasons fixed lists below. No account, key or request id is ever a label.
 * deploy/prometheus/ (alert rules) and deploy/grafana/ (dashboards) read these names;
 * server/test/ops/metrics-coverage.test.ts checks each one they name is exported.
 */
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { asStoreUnavailable } from './store/errors.js';
import {
  STORE_OPERATIONS,
  type AuthorizeResult,
  type CallRefundResult,
  type CompleteTopupResult,
  type LedgerEntry,
  type LedgerResult,
  type RegisterResult,
  type ReserveResult,
  type Store,
} from './store/types.js';
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

  /** Metered calls by product and how they ended (`CallOutcome`). */
  readonly calls = new FastCounter('kikuai_proxy_calls_total', 'Metered calls by product and outcome.', this.registry);
  readonly upstreamErrors = new FastCounter(
    'kikuai_upstream_errors_total',
    'Upstream failures by product and kind (upstream_error, upstream_timeout, upstream_unreachable); each call was refunded.',
    this.registry,
  );
  readonly upstreamDuration = new FastHistogram(
    'kikuai_upstream_duration_seconds',
    'Time from forwarding a metered call to the end of its answer, by product.',
    [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    this.registry,
  );
  readonly payments = new FastCounter('kikuai_payments_total', 'Payment events by provider (paddle, stars) and outcome.', this.registry);
  readonly paymentAmount = new FastCounter(
    'kikuai_payment_amount_micros_total',
    'Micro-USD moved by payments, by provider and outcome (credited, refunded).',
    this.registry,
  );
  readonly webhookSignatureFailures = new FastCounter(
    'kikuai_webhook_signature_failures_total',
    'Webhook deliveries refused for their signature, by provider and reason.',
    this.registry,
  );
  readonly storeErrors = new FastCounter(
    'kikuai_store_errors_total',
    'Store operations that failed, by operation and kind (unavailable: an outage; error: anything else).',
    this.registry,
  );
  readonly accountsRegistered = new FastCounter('kikuai_accounts_registered_total', 'Accounts created.', this.registry);
  readonly accountsActive = new FastCounter(
    'kikuai_accounts_active_total',
    "Accounts seen for the first time in a UTC day (an authorized request or a metered call), counted once across every instance: increase over [1d] is the day's active accounts.",
    this.registry,
  );
  readonly accounts = new Gauge({
    name: 'kikuai_accounts',
    help: 'Accounts in the store (the store that can count them; -1 when it cannot).',
    registers: [this.registry],
  });
  readonly reservationsPending = new Gauge({
    name: 'kikuai_reservations_pending',
    help: 'Metered calls this instance reserved and has not yet settled in the store or refunded (in flight, or settled and waiting for the next batch).',
    registers: [this.registry],
  });
  readonly reservationsStuck = new Gauge({
    name: 'kikuai_reservations_stuck',
    help: 'Open reservations older than the reconciler settles (the longest product timeout plus grace): the reconciler is behind or failing (counted up to 1000).',
    registers: [this.registry],
  });
  readonly storeUp = new Gauge({
    name: 'kikuai_store_up',
    help: 'Whether the primary store answered a ping at scrape time (1) or not (0).',
    labelNames: ['kind'],
    registers: [this.registry],
  });
  /** Set by the PostgreSQL outbox (issue 18, item 2); 0 until it exists. */
  readonly outboxLag = new Gauge({
    name: 'kikuai_outbox_lag_seconds',
    help: 'Age of the oldest outbox entry not yet written to PostgreSQL.',
    registers: [this.registry],
  });
  readonly outboxPending = new Gauge({ name: 'kikuai_outbox_pending', help: 'Outbox entries not yet written to PostgreSQL.', registers: [this.registry] });
  /** Set by the PostgreSQL writer: 1 configured (DATABASE_URL), 0 not; and whether it answers. */
  readonly postgresConfigured = new Gauge({
    name: 'kikuai_postgres_configured',
    help: 'Whether DATABASE_URL is set (1) or not (0).',
    registers: [this.registry],
  });
  readonly postgresUp = new Gauge({
    name: 'kikuai_postgres_up',
    help: 'Whether PostgreSQL answered its last write or ping (1) or not (0); 0 when not configured.',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'kikuai_' });
    for (const gauge of [this.outboxLag, this.outboxPending, this.postgresConfigured, this.postgresUp, this.reservationsPending, this.reservationsStuck])
      gauge.set(0);
    this.accounts.set(-1);
  }

  /**
   * Figures read when Prometheus scrapes (not on the request path): whether the store
   * answers, the reservations this instance holds open (`pendingCalls`, from memory), and
   * stuck ones — those the reconciler would settle, read as it reads them (the same cut-off,
   * so the read changes nothing the reconciler would not). Bounded reads; a failure leaves
   * the previous values and says the store is down.
   */
  watchStore(store: Store, options: { stuckAfterMs: number; now: () => Date; pendingCalls: () => number }): void {
    const storeUp = this.storeUp;
    const pending = this.reservationsPending;
    const stuck = this.reservationsStuck;
    const accounts = this.accounts;
    const countAccounts = (store as { countAccounts?: () => Promise<number> }).countAccounts?.bind(store);
    let reading: Promise<void> | null = null;
    const read = async () => {
      try {
        await store.ping();
        const nowMs = options.now().getTime();
        const [open, old] = await Promise.all([
          store.listOpenCalls(nowMs + 1, SCRAPE_COUNT_LIMIT),
          store.listOpenCalls(nowMs - options.stuckAfterMs, SCRAPE_COUNT_LIMIT),
        ]);
        pending.set(open.length);
        stuck.set(old.length);
        if (countAccounts) accounts.set(await countAccounts());
        storeUp.set({ kind: store.kind }, 1);
      } catch {
        storeUp.set({ kind: store.kind }, 0);
      }
    };
    storeUp.set({ kind: store.kind }, 1);
    // One read per scrape, shared by the gauges that the registry collects together.
    const collect = async () => {
      reading ??= read().finally(() => (reading = null));
      await reading;
    };
    for (const gauge of [storeUp, pending, stuck, accounts]) (gauge as unknown as { collect: () => Promise<void> }).collect = collect;
  }

  /** A metered call has ended. `upstreamSeconds` when it reached the upstream. */
  countCall(productId: string, outcome: CallOutcome, upstreamSeconds: number | null): void {
    this.seriesOf(this.callSeries, `${productId}\u0000${outcome}`, () => this.calls.series({ product: productId, outcome })).inc();
    if (outcome === 'upstream_error' || outcome === 'upstream_timeout' || outcome === 'upstream_unreachable') {
      this.seriesOf(this.callSeries, `${productId}\u0000!${outcome}`, () => this.upstreamErrors.series({ product: productId, kind: outcome })).inc();
    }
    if (upstreamSeconds !== null) {
      this.seriesOf(this.upstreamSeries, productId, () => this.upstreamDuration.series({ product: productId })).observe(upstreamSeconds);
    }
  }

  /** A payment event that moved no money (a refused or failed delivery). Credits and refunds are counted from the ledger. */
  countPayment(provider: PaymentProvider, outcome: PaymentOutcome): void {
    this.payments.series({ provider, outcome }).inc();
  }

  countSignatureFailure(provider: 'paddle', reason: string): void {
    this.webhookSignatureFailures.series({ provider, reason }).inc();
  }

  private readonly callSeries = new Map<string, CounterSeries>();
  private readonly upstreamSeries = new Map<string, HistogramSeries>();
  private seriesOf<T>(cache: Map<string, T>, id: string, create: () => T): T {
    let series = cache.get(id);
    if (!series) cache.set(id, (series = create()));
    return series;
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
    this.countEntry(entry);
  }

  private countEntry(entry: LedgerEntry): void {
    const { amount_micros: amount, kind } = entry;
    const id = `${amount > 0 ? '+' : '-'}${kind}`;
    let child = this.moneyChildren.get(id);
    if (!child) this.moneyChildren.set(id, (child = (amount > 0 ? this.credited : this.debited).series({ kind })));
    child.inc(Math.abs(amount));
    // Payments by provider, told by the reference every payment writes (payments/ledger.ts).
    const provider = entry.external_ref ? paymentProviderOf(entry.external_ref) : null;
    if (provider) {
      const outcome = amount > 0 ? 'credited' : 'refunded';
      this.payments.series({ provider, outcome }).inc();
      this.paymentAmount.series({ provider, outcome }).inc(Math.abs(amount));
    }
  }

  /** A completed top-up writes its credit with the top-up (`completeTopup`), not through applyLedger. */
  private countTopup(result: CompleteTopupResult): void {
    if (result.ok && result.applied) this.countEntry(result.entry);
  }

  /**
   * An account seen today for the first time in this process: asks the store whether any
   * instance saw it today (one `markSeen` per account and day per instance), and counts it
   * once across the fleet. Off the request path: its answer is not awaited.
   */
  private seenToday = { day: '', accounts: new Set<string>() };
  private noteActive(store: Store, accountId: string): void {
    const day = new Date().toISOString().slice(0, 10);
    if (this.seenToday.day !== day) this.seenToday = { day, accounts: new Set() };
    if (this.seenToday.accounts.has(accountId)) return;
    this.seenToday.accounts.add(accountId);
    store.markSeen(`active:${day}`, accountId, ACTIVE_MARK_TTL_SECONDS).then(
      (first) => {
        if (first) this.accountsActive.series({}).inc();
      },
      () => this.seenToday.accounts.delete(accountId), // asked again on its next request
    );
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
      const errors = {
        unavailable: this.storeErrors.series({ operation: name, kind: 'unavailable' }),
        error: this.storeErrors.series({ operation: name, kind: 'error' }),
      };
      const after = this.afterOperation(name, store);
      // No async wrapper (one promise and one await fewer per call), and a float clock.
      wrappers[name] = (...args: unknown[]) => {
        const started = performance.now();
        return (method as (...a: unknown[]) => Promise<unknown>).apply(store, args).then(
          (result) => {
            timer.observe((performance.now() - started) / 1000);
            if (countsMoney) this.countLedger(result as LedgerResult);
            if (after) after(result);
            return result;
          },
          (error: unknown) => {
            timer.observe((performance.now() - started) / 1000);
            (asStoreUnavailable(error) ? errors.unavailable : errors.error).inc();
            throw error;
          },
        );
      };
    }
    wrapped.close = () => store.close();
    return wrapped;
  }

  /** What a store operation's result adds beyond timing and ledger money, if anything. */
  private afterOperation(name: string, store: Store): ((result: unknown) => void) | null {
    switch (name) {
      case 'register':
        return (result) => {
          if ((result as RegisterResult).created) this.accountsRegistered.series({}).inc();
        };
      case 'completeTopup':
        return (result) => this.countTopup(result as CompleteTopupResult);
      case 'authorize':
      case 'reserve':
        return (result) => {
          const outcome = result as AuthorizeResult | ReserveResult;
          if (outcome.ok) this.noteActive(store, outcome.account.id);
        };
      default:
        return null;
    }
  }
}

/** How a metered call ended: charged, or refused or refunded and why. */
export type CallOutcome =
  'charged' | 'refused' | 'upstream_error' | 'upstream_timeout' | 'upstream_unreachable' | 'client_disconnected' | 'payload_too_large' | 'store_unavailable';
export type PaymentProvider = 'paddle' | 'stars';
/** Payment events counted apart from the ledger's credits and refunds. */
export type PaymentOutcome = 'refused' | 'failed';

const SCRAPE_COUNT_LIMIT = 1000;
/** A day's active mark outlives the day (two days), then goes. */
const ACTIVE_MARK_TTL_SECONDS = 2 * 24 * 3600;

/** The provider of a payment's ledger reference (payments/ledger.ts `ledgerRefs`), or null for anything else. */
function paymentProviderOf(externalRef: string): PaymentProvider | null {
  if (externalRef.startsWith('paddle:')) return 'paddle';
  if (externalRef.startsWith('stars:') || externalRef.startsWith('stars_refund:')) return 'stars';
  return null;
}
