import type { RequestOptions } from '../request-options.js';
import type {
  AdjustCreditRequest,
  AdminAccount,
  AdminCreateAccountRequest,
  AdminCreatedAccount,
  AdminAccountList,
  AdminFindAccountsQuery,
  AdminStats,
  AdminStatsQuery,
  AccountEventPage,
  AccountEventsQuery,
  LedgerChangeResult,
  PaymentIncidentList,
  RefundRequest,
  StarsPaymentResult,
  SuspendRequest,
} from '../types.js';
import { unwrap, type ResourceContext } from './context.js';

/**
 * Operator tasks, with `auth: { adminToken }`: `kikuai.admin`.
 *
 * @example
 * ```ts
 * const operator = createKikuaiClient({ baseUrl, auth: { adminToken: process.env.KIKUAI_ADMIN_TOKEN! } });
 * const { data } = await operator.admin.findAccounts({ telegram_id: 279058397 });
 * ```
 */
export interface AdminResource {
  /**
   * Finds accounts by Telegram id or account id.
   *
   * @example
   * ```ts
   * const { data: [found] } = await operator.admin.findAccounts({ telegram_id: 279058397 });
   * ```
   */
  findAccounts(query: AdminFindAccountsQuery, options?: RequestOptions): Promise<AdminAccountList>;
  /**
   * One account with its keys and ledger sum.
   *
   * @example
   * ```ts
   * const { account, keys } = await operator.admin.getAccount('acc_01JD6Z4T0Q8X9W2V3B4N5M6K7J');
   * ```
   */
  getAccount(accountId: string, options?: RequestOptions): Promise<AdminAccount>;
  /**
   * Creates an account without Telegram, with a first key holding all permissions; the
   * key's secret is in this answer only. Sends a generated `Idempotency-Key` unless you
   * pass one, so a retried request creates one account.
   *
   * @example
   * ```ts
   * const { account, api_key } = await operator.admin.createAccount({ name: 'dev' });
   * const asDev = createKikuaiClient({ baseUrl, auth: { apiKey: api_key.secret } });
   * ```
   */
  createAccount(body: AdminCreateAccountRequest, options?: RequestOptions): Promise<AdminCreatedAccount>;
  /**
   * Grants (positive) or takes (negative) credit, as a ledger entry. Sends a generated
   * `Idempotency-Key` unless you pass one; `external_ref` makes it apply once for good.
   *
   * @example
   * ```ts
   * await operator.admin.adjustCredit('acc_01JD6Z4T0Q8X9W2V3B4N5M6K7J', { amount_micros: 5_000_000, reason: 'Welcome credit', external_ref: 'support-1234' });
   * ```
   */
  adjustCredit(accountId: string, body: AdjustCreditRequest, options?: RequestOptions): Promise<LedgerChangeResult>;
  /**
   * Suspends an account, with a reason.
   *
   * @example
   * ```ts
   * await operator.admin.suspend('acc_01JD6Z4T0Q8X9W2V3B4N5M6K7J', { reason: 'Chargeback' });
   * ```
   */
  suspend(accountId: string, body: SuspendRequest, options?: RequestOptions): Promise<AdminAccount>;
  /**
   * Lifts a suspension.
   *
   * @example
   * ```ts
   * await operator.admin.restore('acc_01JD6Z4T0Q8X9W2V3B4N5M6K7J');
   * ```
   */
  restore(accountId: string, options?: RequestOptions): Promise<AdminAccount>;
  /**
   * Refunds a completed Stars top-up through Telegram and debits the account once.
   *
   * @example
   * ```ts
   * await operator.admin.refundTopup('top_01JD6Z4T0Q8X9W2V3B4N5M6K7J', { reason: 'Asked by the user' });
   * ```
   */
  refundTopup(topupId: string, body?: RefundRequest, options?: RequestOptions): Promise<StarsPaymentResult>;
  /**
   * Payments that credited nothing and need an operator, newest first (at most `limit`, default 20).
   *
   * @example
   * ```ts
   * const { data: incidents } = await operator.admin.listPaymentIncidents({ limit: 50 });
   * for (const incident of incidents) console.log(incident.kind, incident.detail);
   * ```
   */
  listPaymentIncidents(query?: { limit?: number }, options?: RequestOptions): Promise<PaymentIncidentList>;
  /**
   * Analytics from PostgreSQL (the server needs `DATABASE_URL`, else 503 `service_unavailable`):
   * accounts in total, new and active per day, revenue per provider per day, calls and spend
   * per product, and the accounts that spent most, for days `from`…`to` (UTC; default the last 30).
   *
   * @example
   * ```ts
   * const stats = await operator.admin.getStats({ from: '2026-11-01', to: '2026-11-30', top: 5 });
   * for (const product of stats.products) console.log(product.product_id, product.calls, product.spend_usd);
   * ```
   */
  getStats(query?: AdminStatsQuery, options?: RequestOptions): Promise<AdminStats>;
  /**
   * An account's record from PostgreSQL (the server needs `DATABASE_URL`, else 503
   * `service_unavailable`), newest first: its keys' changes, its payments, the operator's
   * actions on it.
   *
   * @example
   * ```ts
   * const page = await operator.admin.listAccountEvents('acc_01J…', { category: 'operator' });
   * for (const event of page.data) console.log(event.at, event.action, event.data.reason);
   * ```
   */
  listAccountEvents(accountId: string, query?: AccountEventsQuery, options?: RequestOptions): Promise<AccountEventPage>;
}

export function createAdminResource(context: ResourceContext): AdminResource {
  const { raw } = context;
  const account = (account_id: string) => ({ params: { path: { account_id } } });
  return {
    findAccounts: (query, options) => unwrap(raw.GET('/api/v1/admin/accounts', { params: { query }, ...context.init(options) })),
    createAccount: (body, options) => unwrap(raw.POST('/api/v1/admin/accounts', { body, ...context.init(options, 'generate') })),
    getAccount: (accountId, options) => unwrap(raw.GET('/api/v1/admin/accounts/{account_id}', { ...account(accountId), ...context.init(options) })),
    adjustCredit: (accountId, body, options) =>
      unwrap(raw.POST('/api/v1/admin/accounts/{account_id}/credit', { ...account(accountId), body, ...context.init(options, 'generate') })),
    suspend: (accountId, body, options) =>
      unwrap(raw.POST('/api/v1/admin/accounts/{account_id}/suspend', { ...account(accountId), body, ...context.init(options) })),
    restore: (accountId, options) => unwrap(raw.POST('/api/v1/admin/accounts/{account_id}/restore', { ...account(accountId), ...context.init(options) })),
    listPaymentIncidents: (query, options) => unwrap(raw.GET('/api/v1/admin/payment-incidents', { params: { query: query ?? {} }, ...context.init(options) })),
    getStats: (query, options) => unwrap(raw.GET('/api/v1/admin/stats', { params: { query: query ?? {} }, ...context.init(options) })),
    listAccountEvents: (accountId, query, options) =>
      unwrap(
        raw.GET('/api/v1/admin/accounts/{account_id}/events', { params: { path: { account_id: accountId }, query: query ?? {} }, ...context.init(options) }),
      ),
    refundTopup: (topupId, body, options) =>
      unwrap(raw.POST('/api/v1/admin/topups/{topup_id}/refund', { params: { path: { topup_id: topupId } }, body: body ?? {}, ...context.init(options) })),
  };
}
