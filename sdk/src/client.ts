import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { paths } from './generated/schema.js';
import type { RequestOptions } from './request-options.js';
import { createAdminResource, type AdminResource } from './resources/admin.js';
import { createAuthResource, type AuthResource } from './resources/auth.js';
import {
  createBalanceResource,
  createHistoryResource,
  createUsageResource,
  type BalanceResource,
  type HistoryResource,
  type UsageResource,
} from './resources/billing.js';
import { randomIdempotencyKey, type RequestInitFor, type ResourceContext } from './resources/context.js';
import { createKeysResource, type KeysResource } from './resources/keys.js';
import { createOperationsResource, type OperationsResource } from './resources/operations.js';
import { createProductsResource, type ProductsResource } from './resources/products.js';
import { createProxyResource, type ProxyResource } from './resources/proxy.js';
import { createStarsResource, type StarsResource } from './resources/stars.js';
import { createTopupsResource, type TopupsResource } from './resources/topups.js';
import { createRetryingFetch, type RetryBackoff } from './retrying-fetch.js';
import { SDK_VERSION } from './version.js';

/**
 * Who is calling. One of: an API key (`Authorization: Bearer kik_…`); the Telegram bot's
 * service token and the Telegram user it acts for; a Mini App's raw `initData`
 * (`Authorization: tma …`); an operator's admin token.
 *
 * @example
 * ```ts
 * import type { KikuaiAuth } from '@kikuai/sdk';
 * const asUser: KikuaiAuth = { apiKey: process.env.KIKUAI_API_KEY! };
 * const asBot: KikuaiAuth = { serviceToken: process.env.KIKUAI_BOT_SERVICE_TOKEN!, telegramUserId: 279058397 };
 * const asMiniApp: KikuaiAuth = { initData: window.Telegram.WebApp.initData };
 * const asOperator: KikuaiAuth = { adminToken: process.env.KIKUAI_ADMIN_TOKEN! };
 * ```
 */
export type KikuaiAuth = { apiKey: string } | { serviceToken: string; telegramUserId: number | string } | { initData: string } | { adminToken: string };

/**
 * The options of {@link createKikuaiClient}.
 *
 * @example
 * ```ts
 * import type { KikuaiClientOptions } from '@kikuai/sdk';
 * const options: KikuaiClientOptions = { baseUrl: 'https://bot.kikuai.dev', auth: { apiKey: 'kik_…' }, timeoutMs: 30_000, maxRetries: 3 };
 * ```
 */
export interface KikuaiClientOptions {
  /** The server, e.g. `https://bot.kikuai.dev` or `http://localhost:8000`. */
  baseUrl: string;
  /** Who is calling; leave out for public operations (products, health). */
  auth?: KikuaiAuth;
  /** Per-attempt timeout until the response headers arrive, in ms (default 60 000; 0 for none). */
  timeoutMs?: number;
  /** Automatic retries of retry-safe requests after the first attempt (default 2). */
  maxRetries?: number;
  /** Waits between retries (exponential backoff with full jitter, `Retry-After` honoured). */
  retryBackoff?: RetryBackoff;
  /** A fetch to use instead of `globalThis.fetch` (retries wrap it). */
  fetch?: typeof globalThis.fetch;
  /** Put in front of the SDK's own `User-Agent`, e.g. `my-app/1.2.0`. */
  userAgent?: string;
  /** Headers sent with every request. */
  headers?: Record<string, string>;
}

/**
 * The typed openapi-fetch client underneath, with auth, user agent and retries
 * installed: `kikuai.raw`. Returns `{ data, error, response }` and never throws for an
 * HTTP error (network failures still throw).
 *
 * @example
 * ```ts
 * import type { KikuaiRawClient } from '@kikuai/sdk';
 * const raw: KikuaiRawClient = kikuai.raw;
 * const { data, error } = await raw.GET('/api/v1/api_keys/{key_id}', { params: { path: { key_id: 'key_01JD6Z4T0Q8X9W2V3B4N5M6K7J' } } });
 * ```
 */
export type KikuaiRawClient = Client<paths>;

/**
 * A kikuai API client: the typed `raw` client and one resource per area. Resource
 * methods return the response body and throw {@link KikuaiError} for error answers.
 *
 * @example
 * ```ts
 * import { createKikuaiClient, type KikuaiClient } from '@kikuai/sdk';
 * const kikuai: KikuaiClient = createKikuaiClient({ baseUrl: 'https://bot.kikuai.dev', auth: { apiKey: 'kik_…' } });
 * const { balance_usd } = await kikuai.balance.get();
 * ```
 */
export interface KikuaiClient {
  /** The typed openapi-fetch client underneath. */
  raw: KikuaiRawClient;
  /** Accounts and who is calling. */
  auth: AuthResource;
  /** API keys. */
  keys: KeysResource;
  /** The balance. */
  balance: BalanceResource;
  /** Usage by day, product and key. */
  usage: UsageResource;
  /** The ledger, paginated. */
  history: HistoryResource;
  /** Top-ups by Paddle or Telegram Stars. */
  topups: TopupsResource;
  /** Telegram Stars payments, as the bot reports them. */
  stars: StarsResource;
  /** Products and prices. */
  products: ProductsResource;
  /** Metered calls to product APIs. */
  proxy: ProxyResource;
  /** Operator tasks. */
  admin: AdminResource;
  /** Health, readiness, metrics, the OpenAPI document. */
  operations: OperationsResource;
  /**
   * The same client acting as another caller (cheap: nothing is shared but settings).
   *
   * @example
   * ```ts
   * const bot = createKikuaiClient({ baseUrl, auth: { serviceToken, telegramUserId: 1 } });
   * const forUser = bot.withAuth({ serviceToken, telegramUserId: ctx.from.id });
   * await forUser.balance.get();
   * ```
   */
  withAuth(auth: KikuaiAuth | undefined): KikuaiClient;
}

function authHeaders(auth: KikuaiAuth | undefined): Record<string, string> {
  if (!auth) return {};
  if ('apiKey' in auth) return { Authorization: `Bearer ${auth.apiKey}` };
  if ('serviceToken' in auth) return { 'X-Kikuai-Service-Token': auth.serviceToken, 'X-Kikuai-Telegram-User-Id': String(auth.telegramUserId) };
  if ('initData' in auth) return { Authorization: `tma ${auth.initData}` };
  if ('adminToken' in auth) return { 'X-Kikuai-Admin-Token': auth.adminToken };
  throw new TypeError('auth must be one of { apiKey }, { serviceToken, telegramUserId }, { initData } or { adminToken }');
}

function isBrowserPage(): boolean {
  return typeof (globalThis as { document?: unknown }).document !== 'undefined';
}

/**
 * Creates a kikuai API client. Works in Node 20+ and browsers.
 *
 * Retry-safe requests (GET, HEAD, PUT, DELETE, OPTIONS, and POST/PATCH with an
 * `Idempotency-Key`) are retried on 429, 503 and network failures with exponential
 * backoff and full jitter, honouring `Retry-After`. Methods that create things or move
 * money send a generated `Idempotency-Key`; proxy calls are never retried unless you
 * pass one.
 *
 * @example
 * ```ts
 * import { createKikuaiClient } from '@kikuai/sdk';
 *
 * const kikuai = createKikuaiClient({ baseUrl: 'https://bot.kikuai.dev', auth: { apiKey: process.env.KIKUAI_API_KEY! } });
 * const { balance_micros } = await kikuai.balance.get();
 * const { data, costMicros } = await kikuai.proxy.llm({ target: 'openai', model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello' }] });
 * ```
 */
export function createKikuaiClient(options: KikuaiClientOptions): KikuaiClient {
  if (!options || typeof options.baseUrl !== 'string' || options.baseUrl === '')
    throw new TypeError('createKikuaiClient: baseUrl is required, e.g. https://bot.kikuai.dev');
  const credentials = authHeaders(options.auth);
  const retrySettings = { maxRetries: options.maxRetries, timeoutMs: options.timeoutMs, fetch: options.fetch, ...options.retryBackoff };
  const retryingFetch = createRetryingFetch(retrySettings);
  const raw = createClient<paths>({ baseUrl: options.baseUrl, fetch: retryingFetch, headers: options.headers });

  const sdkAgent = `kikuai-sdk-js/${SDK_VERSION}`;
  const userAgent = options.userAgent ? `${options.userAgent} ${sdkAgent}` : isBrowserPage() ? undefined : sdkAgent;
  const middleware: Middleware = {
    onRequest({ request }) {
      for (const [name, value] of Object.entries(credentials)) {
        if (!request.headers.has(name)) request.headers.set(name, value);
      }
      if (userAgent && !request.headers.has('User-Agent')) request.headers.set('User-Agent', userAgent);
      return request;
    },
  };
  raw.use(middleware);

  const context: ResourceContext = {
    raw,
    init(requestOptions: RequestOptions | undefined, idempotency?: 'generate'): RequestInitFor {
      const headers: Record<string, string> = { ...requestOptions?.headers };
      const idempotencyKey = requestOptions?.idempotencyKey ?? (idempotency === 'generate' ? randomIdempotencyKey() : undefined);
      if (idempotencyKey !== undefined) headers['Idempotency-Key'] = idempotencyKey;
      const init: RequestInitFor = { headers };
      if (requestOptions?.signal) init.signal = requestOptions.signal;
      if (requestOptions?.timeoutMs !== undefined || requestOptions?.maxRetries !== undefined) {
        init.fetch = createRetryingFetch({
          ...retrySettings,
          ...(requestOptions.timeoutMs !== undefined ? { timeoutMs: requestOptions.timeoutMs } : {}),
          ...(requestOptions.maxRetries !== undefined ? { maxRetries: requestOptions.maxRetries } : {}),
        });
      }
      return init;
    },
  };

  return {
    raw,
    auth: createAuthResource(context),
    keys: createKeysResource(context),
    balance: createBalanceResource(context),
    usage: createUsageResource(context),
    history: createHistoryResource(context),
    topups: createTopupsResource(context),
    stars: createStarsResource(context),
    products: createProductsResource(context),
    proxy: createProxyResource(context),
    admin: createAdminResource(context),
    operations: createOperationsResource(context),
    withAuth: (auth) => createKikuaiClient({ ...options, auth }),
  };
}
