import type { components, operations } from './generated/schema.js';

/**
 * A Telegram user as the bot registers it.
 *
 * @example
 * ```ts
 * import type { TelegramUser } from '@kikuai/sdk';
 * const user: TelegramUser = { id: 279058397, username: 'vdkfrost' };
 * ```
 */
export type TelegramUser = components['schemas']['TelegramUser'];

/**
 * The body of `auth.register()`.
 *
 * @example
 * ```ts
 * import type { RegisterRequest } from '@kikuai/sdk';
 * const body: RegisterRequest = { telegram_user: { id: 279058397 } };
 * ```
 */
export type RegisterRequest = components['schemas']['RegisterRequest'];

/**
 * What `auth.register()` returns: the account, and its first key when `created`.
 *
 * @example
 * ```ts
 * import type { RegisterResponse } from '@kikuai/sdk';
 * const { created, account, api_key }: RegisterResponse = await kikuai.auth.register();
 * ```
 */
export type RegisterResponse = components['schemas']['RegisterResponse'];

/**
 * An account: its Telegram identity, status and balance.
 *
 * @example
 * ```ts
 * import type { Account } from '@kikuai/sdk';
 * const account: Account = (await kikuai.auth.me()).account;
 * ```
 */
export type Account = components['schemas']['Account'];

/**
 * The caller's account and how the caller authenticated.
 *
 * @example
 * ```ts
 * import type { Me } from '@kikuai/sdk';
 * const me: Me = await kikuai.auth.me();
 * ```
 */
export type Me = components['schemas']['Me'];

/**
 * The body of `auth.update()`.
 *
 * @example
 * ```ts
 * import type { UpdateMeRequest } from '@kikuai/sdk';
 * const body: UpdateMeRequest = { low_balance_threshold_micros: 1_000_000 };
 * ```
 */
export type UpdateMeRequest = components['schemas']['UpdateMeRequest'];

/**
 * What an API key may do: `products:call`, `billing:read`, `billing:write` or
 * `keys:manage`. Each operation needs one; a key never gives or gains more than its own.
 *
 * @example
 * ```ts
 * import type { Permission } from '@kikuai/sdk';
 * const callOnly: Permission[] = ['products:call'];
 * const key = await kikuai.keys.create({ name: 'app', permissions: callOnly });
 * ```
 */
export type Permission = components['schemas']['Permission'];

/**
 * An API key, without its secret.
 *
 * @example
 * ```ts
 * import type { ApiKey } from '@kikuai/sdk';
 * const key: ApiKey = await kikuai.keys.get('key_01JD6Z4T0Q8X9W2V3B4N5M6K7J');
 * ```
 */
export type ApiKey = components['schemas']['ApiKey'];

/**
 * An API key with its secret, returned once by `keys.create()` and `keys.rotate()`.
 *
 * @example
 * ```ts
 * import type { ApiKeyWithSecret } from '@kikuai/sdk';
 * const { secret }: ApiKeyWithSecret = await kikuai.keys.create({ name: 'ci' });
 * ```
 */
export type ApiKeyWithSecret = components['schemas']['ApiKeyWithSecret'];

/**
 * The body of `keys.list()`.
 *
 * @example
 * ```ts
 * import type { ApiKeyList } from '@kikuai/sdk';
 * const { data }: ApiKeyList = await kikuai.keys.list();
 * ```
 */
export type ApiKeyList = components['schemas']['ApiKeyList'];

/**
 * The body of `keys.create()`.
 *
 * @example
 * ```ts
 * import type { CreateApiKeyRequest } from '@kikuai/sdk';
 * const body: CreateApiKeyRequest = { name: 'ci', allowed_products: ['reliapi'], spend_limit_micros: 5_000_000, spend_limit_period: 'monthly' };
 * ```
 */
export type CreateApiKeyRequest = components['schemas']['CreateApiKeyRequest'];

/**
 * The body of `keys.update()`: fields left out are unchanged, `null` clears.
 *
 * @example
 * ```ts
 * import type { UpdateApiKeyRequest } from '@kikuai/sdk';
 * const body: UpdateApiKeyRequest = { enabled: false };
 * ```
 */
export type UpdateApiKeyRequest = components['schemas']['UpdateApiKeyRequest'];

/**
 * The body of `keys.rotate()`.
 *
 * @example
 * ```ts
 * import type { RotateApiKeyRequest } from '@kikuai/sdk';
 * const body: RotateApiKeyRequest = { grace_period_seconds: 3600 };
 * ```
 */
export type RotateApiKeyRequest = components['schemas']['RotateApiKeyRequest'];

/**
 * A key's spend limit and what was spent in the current period.
 *
 * @example
 * ```ts
 * import type { SpendLimit } from '@kikuai/sdk';
 * const limit: SpendLimit | null = (await kikuai.keys.get('key_01JD6Z4T0Q8X9W2V3B4N5M6K7J')).spend_limit;
 * ```
 */
export type SpendLimit = components['schemas']['SpendLimit'];

/**
 * The balance, in micro-USD.
 *
 * @example
 * ```ts
 * import type { Balance } from '@kikuai/sdk';
 * const { balance_micros }: Balance = await kikuai.balance.get();
 * ```
 */
export type Balance = components['schemas']['Balance'];

/**
 * Usage aggregated by UTC day, product and key.
 *
 * @example
 * ```ts
 * import type { UsageReport } from '@kikuai/sdk';
 * const report: UsageReport = await kikuai.usage.get({ from: '2026-11-01', to: '2026-11-30' });
 * ```
 */
export type UsageReport = components['schemas']['UsageReport'];

/**
 * One row of a usage report.
 *
 * @example
 * ```ts
 * import type { UsageRow } from '@kikuai/sdk';
 * const rows: UsageRow[] = (await kikuai.usage.get()).rows;
 * ```
 */
export type UsageRow = components['schemas']['UsageRow'];

/**
 * One entry of the balance ledger.
 *
 * @example
 * ```ts
 * import type { LedgerEntry } from '@kikuai/sdk';
 * for await (const entry of kikuai.history.iterate()) console.log(entry satisfies LedgerEntry);
 * ```
 */
export type LedgerEntry = components['schemas']['LedgerEntry'];

/**
 * One page of the ledger: `data` and the `next_cursor` (null on the last page).
 *
 * @example
 * ```ts
 * import type { LedgerPage } from '@kikuai/sdk';
 * const page: LedgerPage = await kikuai.history.list({ limit: 50 });
 * ```
 */
export type LedgerPage = components['schemas']['LedgerPage'];

/**
 * The result of an operator credit adjustment.
 *
 * @example
 * ```ts
 * import type { LedgerChangeResult } from '@kikuai/sdk';
 * const result: LedgerChangeResult = await kikuai.admin.adjustCredit('acc_01JD6Z4T0Q8X9W2V3B4N5M6K7J', { amount_micros: 5_000_000, reason: 'Welcome credit' });
 * ```
 */
export type LedgerChangeResult = components['schemas']['LedgerChangeResult'];

/**
 * The amounts and methods a top-up may have.
 *
 * @example
 * ```ts
 * import type { TopupOptions } from '@kikuai/sdk';
 * const { presets_micros, methods }: TopupOptions = await kikuai.topups.options();
 * ```
 */
export type TopupOptions = components['schemas']['TopupOptions'];

/**
 * The body of `topups.create()`.
 *
 * @example
 * ```ts
 * import type { CreateTopupRequest } from '@kikuai/sdk';
 * const body: CreateTopupRequest = { method: 'paddle', amount_micros: 10_000_000 };
 * ```
 */
export type CreateTopupRequest = components['schemas']['CreateTopupRequest'];

/**
 * A top-up: where to pay it, and its status.
 *
 * @example
 * ```ts
 * import type { Topup } from '@kikuai/sdk';
 * const topup: Topup = await kikuai.topups.create({ method: 'paddle', amount_micros: 10_000_000 });
 * ```
 */
export type Topup = components['schemas']['Topup'];

/**
 * What the bot asks about a Telegram `pre_checkout_query`.
 *
 * @example
 * ```ts
 * import type { StarsPreCheckoutRequest } from '@kikuai/sdk';
 * const body: StarsPreCheckoutRequest = { invoice_payload: 'top_01JD6Z4T0Q8X9W2V3B4N5M6K7J', currency: 'XTR', total_amount: 250 };
 * ```
 */
export type StarsPreCheckoutRequest = components['schemas']['StarsPreCheckoutRequest'];

/**
 * Whether the bot should accept the pre-checkout query.
 *
 * @example
 * ```ts
 * import type { StarsPreCheckoutResult } from '@kikuai/sdk';
 * const { ok, reason }: StarsPreCheckoutResult = await kikuai.stars.preCheckout({ invoice_payload: 'top_1', currency: 'XTR', total_amount: 250 });
 * ```
 */
export type StarsPreCheckoutResult = components['schemas']['StarsPreCheckoutResult'];

/**
 * A Telegram `successful_payment` as the bot reports it.
 *
 * @example
 * ```ts
 * import type { StarsPaymentRequest } from '@kikuai/sdk';
 * const body: StarsPaymentRequest = { invoice_payload: 'top_1', currency: 'XTR', total_amount: 250, telegram_payment_charge_id: 'stxAbc' };
 * ```
 */
export type StarsPaymentRequest = components['schemas']['StarsPaymentRequest'];

/**
 * A Telegram Stars refund as the bot reports it.
 *
 * @example
 * ```ts
 * import type { StarsRefundRequest } from '@kikuai/sdk';
 * const body: StarsRefundRequest = { telegram_payment_charge_id: 'stxAbc' };
 * ```
 */
export type StarsRefundRequest = components['schemas']['StarsRefundRequest'];

/**
 * The top-up and the ledger change a Stars payment or refund made.
 *
 * @example
 * ```ts
 * import type { StarsPaymentResult } from '@kikuai/sdk';
 * const { applied, balance_micros }: StarsPaymentResult = await kikuai.stars.recordPayment({ invoice_payload: 'top_1', currency: 'XTR', total_amount: 250, telegram_payment_charge_id: 'stxAbc' });
 * ```
 */
export type StarsPaymentResult = components['schemas']['StarsPaymentResult'];

/**
 * A product sold through kikuai, its endpoints and prices.
 *
 * @example
 * ```ts
 * import type { Product } from '@kikuai/sdk';
 * const product: Product = await kikuai.products.get('reliapi');
 * ```
 */
export type Product = components['schemas']['Product'];

/**
 * One endpoint of a product and its price.
 *
 * @example
 * ```ts
 * import type { ProductEndpoint } from '@kikuai/sdk';
 * const endpoints: ProductEndpoint[] = (await kikuai.products.get('reliapi')).endpoints;
 * ```
 */
export type ProductEndpoint = components['schemas']['ProductEndpoint'];

/**
 * A working call of one endpoint, ready to copy (curl, SDK, CLI), on the server's public base URL.
 *
 * @example
 * ```ts
 * import type { CallExample } from '@kikuai/sdk';
 * const { curl }: CallExample = (await kikuai.products.get('reliapi')).endpoints[0]!.example;
 * ```
 */
export type CallExample = components['schemas']['CallExample'];

/**
 * The first call with a new key on this server: base URL, curl, SDK and CLI lines, the docs.
 *
 * @example
 * ```ts
 * import type { Quickstart } from '@kikuai/sdk';
 * const quickstart: Quickstart | null = (await kikuai.products.list()).quickstart;
 * ```
 */
export type Quickstart = components['schemas']['Quickstart'];

/**
 * The body of `products.list()`.
 *
 * @example
 * ```ts
 * import type { ProductList } from '@kikuai/sdk';
 * const { data }: ProductList = await kikuai.products.list();
 * ```
 */
export type ProductList = components['schemas']['ProductList'];

/**
 * The body forwarded to a product endpoint (any JSON object).
 *
 * @example
 * ```ts
 * import type { ProxyRequestBody } from '@kikuai/sdk';
 * const body: ProxyRequestBody = { target: 'openai', model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello' }] };
 * ```
 */
export type ProxyRequestBody = components['schemas']['ProxyRequestBody'];

/**
 * An OpenAI-compatible chat request for ReliAPI's LLM proxy (`kikuai.proxy.llm`): `target`,
 * `model` and `messages` are required; the target's own options pass through.
 *
 * @example
 * ```ts
 * import type { LlmChatRequest } from '@kikuai/sdk';
 * const body: LlmChatRequest = { target: 'openai', model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello' }], max_tokens: 100 };
 * ```
 */
export type LlmChatRequest = components['schemas']['LlmChatRequest'];

/**
 * One message of a chat: `role` and `content` (text, parts, or null for a tool call).
 *
 * @example
 * ```ts
 * import type { LlmChatMessage } from '@kikuai/sdk';
 * const messages: LlmChatMessage[] = [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Explain HTTP 402' }];
 * ```
 */
export type LlmChatMessage = components['schemas']['LlmChatMessage'];

/**
 * The whole answer to a chat request that did not stream: `data` of `kikuai.proxy.llm()`.
 *
 * @example
 * ```ts
 * import type { LlmChatCompletion } from '@kikuai/sdk';
 * const { data }: { data: LlmChatCompletion } = await kikuai.proxy.llm({ target: 'openai', model: 'gpt-4o-mini', messages });
 * console.log(data.choices[0]?.message.content, data.usage?.total_tokens);
 * ```
 */
export type LlmChatCompletion = components['schemas']['LlmChatCompletion'];

/**
 * One piece of a streamed chat answer, as `kikuai.proxy.llm(…, { stream: true })` yields it.
 *
 * @example
 * ```ts
 * import type { LlmChatCompletionChunk } from '@kikuai/sdk';
 * const textOf = (chunk: LlmChatCompletionChunk) => chunk.choices[0]?.delta.content ?? '';
 * ```
 */
export type LlmChatCompletionChunk = components['schemas']['LlmChatCompletionChunk'];

/**
 * The tokens a target counted for a chat call.
 *
 * @example
 * ```ts
 * import type { LlmUsage } from '@kikuai/sdk';
 * const tokens = (usage: LlmUsage | undefined) => usage?.total_tokens ?? 0;
 * ```
 */
export type LlmUsage = components['schemas']['LlmUsage'];

/**
 * A request for ReliAPI's HTTP proxy (`kikuai.proxy.http`): `target`, `method` and `path`.
 *
 * @example
 * ```ts
 * import type { HttpProxyRequest } from '@kikuai/sdk';
 * const body: HttpProxyRequest = { target: 'example', method: 'GET', path: '/status' };
 * ```
 */
export type HttpProxyRequest = components['schemas']['HttpProxyRequest'];

/**
 * A chat request for RouteLLM (`kikuai.proxy.routellm`): the chat of {@link LlmChatRequest}
 * without `target` (RouteLLM picks the provider); `model: 'auto'` lets it pick the model too.
 *
 * @example
 * ```ts
 * import type { RouteLlmRequest } from '@kikuai/sdk';
 * const body: RouteLlmRequest = { model: 'auto', messages: [{ role: 'user', content: 'Hello' }] };
 * ```
 */
export type RouteLlmRequest = components['schemas']['RouteLlmRequest'];

/**
 * An account as operators see it, with its keys.
 *
 * @example
 * ```ts
 * import type { AdminAccount } from '@kikuai/sdk';
 * const account: AdminAccount = await kikuai.admin.getAccount('acc_01JD6Z4T0Q8X9W2V3B4N5M6K7J');
 * ```
 */
export type AdminAccount = components['schemas']['AdminAccount'];

/**
 * The body of `admin.findAccounts()`.
 *
 * @example
 * ```ts
 * import type { AdminAccountList } from '@kikuai/sdk';
 * const { data }: AdminAccountList = await kikuai.admin.findAccounts({ telegram_id: 279058397 });
 * ```
 */
export type AdminAccountList = components['schemas']['AdminAccountList'];

/**
 * A payment that credited nothing and needs an operator (`admin.listPaymentIncidents()`).
 *
 * @example
 * ```ts
 * import type { PaymentIncident } from '@kikuai/sdk';
 * const { data }: { data: PaymentIncident[] } = await operator.admin.listPaymentIncidents();
 * ```
 */
export type PaymentIncident = components['schemas']['PaymentIncident'];

/**
 * The body of `admin.listPaymentIncidents()`.
 *
 * @example
 * ```ts
 * import type { PaymentIncidentList } from '@kikuai/sdk';
 * const { data }: PaymentIncidentList = await operator.admin.listPaymentIncidents({ limit: 50 });
 * ```
 */
export type PaymentIncidentList = components['schemas']['PaymentIncidentList'];

/**
 * The body of `admin.createAccount()`: a display name (and optionally a language).
 *
 * @example
 * ```ts
 * import type { AdminCreateAccountRequest } from '@kikuai/sdk';
 * const body: AdminCreateAccountRequest = { name: 'dev' };
 * ```
 */
export type AdminCreateAccountRequest = components['schemas']['AdminCreateAccountRequest'];

/**
 * What `admin.createAccount()` answers: the account and its first key, with the secret shown this once.
 *
 * @example
 * ```ts
 * import type { AdminCreatedAccount } from '@kikuai/sdk';
 * const { account, api_key }: AdminCreatedAccount = await operator.admin.createAccount({ name: 'dev' });
 * ```
 */
export type AdminCreatedAccount = components['schemas']['AdminCreatedAccount'];

/**
 * The body of `admin.adjustCredit()`.
 *
 * @example
 * ```ts
 * import type { AdjustCreditRequest } from '@kikuai/sdk';
 * const body: AdjustCreditRequest = { amount_micros: 5_000_000, reason: 'Welcome credit', external_ref: 'support-1234' };
 * ```
 */
export type AdjustCreditRequest = components['schemas']['AdjustCreditRequest'];

/**
 * The body of `admin.suspend()`.
 *
 * @example
 * ```ts
 * import type { SuspendRequest } from '@kikuai/sdk';
 * const body: SuspendRequest = { reason: 'Chargeback' };
 * ```
 */
export type SuspendRequest = components['schemas']['SuspendRequest'];

/**
 * The body of `admin.refundTopup()`.
 *
 * @example
 * ```ts
 * import type { RefundRequest } from '@kikuai/sdk';
 * const body: RefundRequest = { reason: 'Asked by the user' };
 * ```
 */
export type RefundRequest = components['schemas']['RefundRequest'];

/**
 * The body of `operations.health()`.
 *
 * @example
 * ```ts
 * import type { Health } from '@kikuai/sdk';
 * const { status }: Health = await kikuai.operations.health();
 * ```
 */
export type Health = components['schemas']['Health'];

/**
 * The body of `operations.readiness()`.
 *
 * @example
 * ```ts
 * import type { Readiness } from '@kikuai/sdk';
 * const { status, store }: Readiness = await kikuai.operations.readiness();
 * ```
 */
export type Readiness = components['schemas']['Readiness'];

/**
 * The query of `usage.get()` and `usage.csv()`: a range of UTC days (inclusive), a product, a key.
 *
 * @example
 * ```ts
 * import type { UsageQuery } from '@kikuai/sdk';
 * const query: UsageQuery = { from: '2026-11-01', to: '2026-11-30', product_id: 'reliapi' };
 * ```
 */
export type UsageQuery = Omit<NonNullable<operations['getUsage']['parameters']['query']>, 'format'>;

/**
 * The query of `history.list()`: `limit` (1 to 100), the `cursor` of the previous page, and
 * the filters `kind`, `day` (UTC, `YYYY-MM-DD`) and `product_id`. Together, `kind: 'debit'`,
 * `day` and `product_id` list the single calls behind a {@link ChargesGroup}.
 *
 * @example
 * ```ts
 * import type { HistoryQuery } from '@kikuai/sdk';
 * const query: HistoryQuery = { limit: 100, kind: 'debit', day: '2026-11-30', product_id: 'reliapi' };
 * ```
 */
export type HistoryQuery = NonNullable<operations['listHistory']['parameters']['query']>;

/**
 * The query of `history.daily()`: `limit` (1 to 100) and the `cursor` of the previous page.
 *
 * @example
 * ```ts
 * import type { DailyHistoryQuery } from '@kikuai/sdk';
 * const query: DailyHistoryQuery = { limit: 20 };
 * ```
 */
export type DailyHistoryQuery = NonNullable<operations['listDailyHistory']['parameters']['query']>;

/**
 * The per-call charges of one product on one UTC day (`type: 'charges'`): how many calls,
 * their sum (negative), the first and last call's time, and `calls_cursor` to list them.
 *
 * @example
 * ```ts
 * import type { ChargesGroup } from '@kikuai/sdk';
 * const calls = (group: ChargesGroup) =>
 *   kikuai.history.list({ kind: 'debit', day: group.day, product_id: group.product_id, cursor: group.calls_cursor });
 * ```
 */
export type ChargesGroup = components['schemas']['ChargesGroup'];

/**
 * One row of the daily history: a {@link ChargesGroup}, or `{ type: 'entry', entry }` for a
 * top-up, refund, adjustment, signup credit or any other ledger entry.
 *
 * @example
 * ```ts
 * import type { DailyHistoryItem } from '@kikuai/sdk';
 * const label = (item: DailyHistoryItem) => (item.type === 'charges' ? `${item.calls} calls` : item.entry.kind);
 * ```
 */
export type DailyHistoryItem = components['schemas']['DailyHistoryItem'];

/**
 * One page of the daily history: `data` and the `next_cursor` (null on the last page).
 *
 * @example
 * ```ts
 * import type { DailyHistoryPage } from '@kikuai/sdk';
 * const page: DailyHistoryPage = await kikuai.history.daily({ limit: 20 });
 * ```
 */
export type DailyHistoryPage = components['schemas']['DailyHistoryPage'];

/**
 * The query of `admin.findAccounts()`: a Telegram id or an account id.
 *
 * @example
 * ```ts
 * import type { AdminFindAccountsQuery } from '@kikuai/sdk';
 * const query: AdminFindAccountsQuery = { telegram_id: 279058397 };
 * ```
 */
export type AdminFindAccountsQuery = NonNullable<operations['adminFindAccounts']['parameters']['query']>;

/**
 * The body of `admin.getStats()`: analytics read from PostgreSQL.
 *
 * @example
 * ```ts
 * import type { AdminStats } from '@kikuai/sdk';
 * const stats: AdminStats = await operator.admin.getStats({ from: '2026-11-01', to: '2026-11-30' });
 * console.log(stats.users.total, stats.products);
 * ```
 */
export type AdminStats = components['schemas']['AdminStats'];

/**
 * The query of `admin.getStats()`: days (UTC, inclusive) and how many top accounts.
 *
 * @example
 * ```ts
 * import type { AdminStatsQuery } from '@kikuai/sdk';
 * const query: AdminStatsQuery = { from: '2026-11-01', to: '2026-11-30', top: 5 };
 * ```
 */
export type AdminStatsQuery = NonNullable<operations['adminGetStats']['parameters']['query']>;

/**
 * One event of an account's record (`admin.listAccountEvents()`): a key, payment or operator
 * event, read from PostgreSQL. No secret, no key hash.
 *
 * @example
 * ```ts
 * import type { AccountEvent } from '@kikuai/sdk';
 * const { data }: { data: AccountEvent[] } = await operator.admin.listAccountEvents('acc_01J…');
 * for (const event of data) console.log(event.at, event.category, event.action, event.subject_id);
 * ```
 */
export type AccountEvent = components['schemas']['AccountEvent'];

/**
 * A page of `admin.listAccountEvents()`, newest first; `next_cursor` reads on.
 *
 * @example
 * ```ts
 * import type { AccountEventPage } from '@kikuai/sdk';
 * const page: AccountEventPage = await operator.admin.listAccountEvents('acc_01J…', { category: 'operator' });
 * ```
 */
export type AccountEventPage = components['schemas']['AccountEventPage'];

/**
 * The query of `admin.listAccountEvents()`: page size, cursor, one category.
 *
 * @example
 * ```ts
 * import type { AccountEventsQuery } from '@kikuai/sdk';
 * const query: AccountEventsQuery = { limit: 50, category: 'key' };
 * ```
 */
export type AccountEventsQuery = NonNullable<operations['adminListAccountEvents']['parameters']['query']>;
