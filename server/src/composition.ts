/**
 * The composition root: every service of a server, built once from the configuration and
 * the store, and the order in which they stop. `buildApp` calls it, hands each route
 * module the services it uses, and runs `close` from Fastify's onClose.
 *
 *   context      configuration, the (instrumented) store, key index, events, products
 *   metrics      Prometheus registry; counts the store's calls and payment incidents
 *   botApi       the Bot API client the server calls itself (payments, notifications)
 *   notifier     Telegram messages for the server's events
 *   payments     Paddle, top-ups, the Paddle webhook, Stars
 *   proxy        upstream pools, the call recorder, in-doubt refunds, the reconciler,
 *                and the metered call they make up
 *   postgres     with DATABASE_URL: the outbox drain into PostgreSQL and the archive read
 *                from it (history past the store's retention, analytics); else null
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from './config.js';
import { createContext, type ServerContext } from './context.js';
import { Metrics } from './metrics.js';
import { startNotifier, type Notifier } from './notifications/notifier.js';
import { createPayments, type Payments } from './payments/index.js';
import { CallReconciler } from './proxy/call-reconciler.js';
import { CallRecorder } from './proxy/call-recorder.js';
import { InDoubtCalls } from './proxy/in-doubt.js';
import { createMeteredCall, type MeteredCall } from './proxy/metered-call.js';
import { Upstreams } from './proxy/upstreams.js';
import { Archive } from './outbox/archive.js';
import { OutboxDrain } from './outbox/drain.js';
import { createPostgresPool } from './outbox/postgres.js';
import type { Store } from './store/types.js';
import { createBotApi, type BotApi } from './telegram/bot-api.js';

export interface ProxyServices {
  upstreams: Upstreams;
  calls: CallRecorder;
  /** Charges left in doubt by a store outage, refunded once the store is back. */
  inDoubt: InDoubtCalls;
  /** Settles the calls a crash left open. */
  reconciler: CallReconciler;
  meteredCall: MeteredCall;
}

export interface PostgresServices {
  drain: OutboxDrain;
  archive: Archive;
}

export interface Services extends ServerContext {
  postgres: PostgresServices | null;
  metrics: Metrics;
  botApi: BotApi;
  notifier: Notifier;
  payments: Payments;
  proxy: ProxyServices;
}

export interface ComposeOptions {
  config: Config;
  /** Owned from now on: closed last. */
  store: Store;
  logger: FastifyBaseLogger;
  now?: () => Date;
}

export interface Composition {
  services: Services;
  /** Stops every service, in order, and closes the store. */
  close(): Promise<void>;
}

export function composeServices({ config, store, logger, now }: ComposeOptions): Composition {
  const metrics = new Metrics();
  const context = createContext(config, metrics.instrument(store), logger, now);
  context.events.on('payment_incident', ({ incident }) => metrics.countPaymentIncident(incident.kind));

  const botApi = createBotApi({ token: config.telegram.botToken, apiRoot: config.telegram.apiRoot });
  const notifier = startNotifier(context, botApi);
  const payments = createPayments(context, botApi);

  const upstreams = new Upstreams(context.products);
  const calls = new CallRecorder(context.store, logger);
  const inDoubt = new InDoubtCalls(context.store, logger, context.now, (accountId, crossing, balanceMicros) => {
    if (crossing) context.events.emit('balance_crossed', { accountId, crossing, balanceMicros });
  });
  const longestTimeoutMs = Math.max(0, ...context.products.products.map((product) => product.timeoutMs));
  // Reservations older than the reconciler's horizon are stuck (an alert in deploy/prometheus).
  metrics.watchStore(store, { stuckAfterMs: longestTimeoutMs + config.reconcile.graceMs, now: context.now, pendingCalls: () => calls.openCount });
  const reconciler = new CallReconciler({
    store: context.store,
    logger,
    now: context.now,
    events: context.events,
    settleAfterMs: longestTimeoutMs + config.reconcile.graceMs,
    intervalMs: config.reconcile.intervalMs,
  });
  reconciler.start();
  const meteredCall = createMeteredCall({ context, upstreams, calls, inDoubt, metrics });

  const pool = config.databaseUrl ? createPostgresPool(config.databaseUrl) : null;
  const postgres = pool && {
    drain: new OutboxDrain({
      store: context.store,
      pool,
      logger,
      idleMs: config.outboxIdleMs,
      retentionDays: config.ledgerRetentionDays,
      trimIntervalMs: config.ledgerTrimIntervalMs,
      now: context.now,
      onReachable: (reachable) => metrics.postgresUp.set(reachable ? 1 : 0),
      onBacklog: (backlog, at) => {
        metrics.outboxPending.set(backlog.pending);
        metrics.outboxLag.set(backlog.oldest_at === null ? 0 : Math.max(0, (at.getTime() - Date.parse(backlog.oldest_at)) / 1000));
      },
    }),
    archive: new Archive(pool),
  };
  metrics.postgresConfigured.set(pool ? 1 : 0);
  postgres?.drain.start();

  return {
    services: { ...context, metrics, botApi, notifier, payments, proxy: { upstreams, calls, inDoubt, reconciler, meteredCall }, postgres },
    async close() {
      await context.keyUsage.close();
      await notifier.flush();
      await upstreams.close();
      await calls.close();
      await reconciler.close();
      await inDoubt.close();
      await postgres?.drain.close();
      await pool?.end();
      await store.close();
    },
  };
}
