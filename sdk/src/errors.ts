import type { components } from './generated/schema.js';

/**
 * An RFC 9457 problem as the kikuai API returns it: `type`, `title`, `status`,
 * `detail`, a stable machine `code`, the `request_id`, and extra members such as
 * `balance_micros` and `price_micros`.
 *
 * @example
 * ```ts
 * import type { Problem } from '@kikuai/sdk';
 * const problem: Problem = { type: 'https://kikuai.dev/problems/not_found', title: 'Not found', status: 404, code: 'not_found', request_id: 'req_1' };
 * ```
 */
export type Problem = components['schemas']['Problem'];

/**
 * The stable machine codes of kikuai's errors. New codes may be added: handle unknown
 * ones by their HTTP status.
 *
 * @example
 * ```ts
 * import type { ErrorCode } from '@kikuai/sdk';
 * const code: ErrorCode = 'insufficient_balance';
 * ```
 */
export type ErrorCode = components['schemas']['ErrorCode'];

// Brands survive the dual-package hazard: an error thrown by the CommonJS build is still
// `instanceof` the class of the ES module build (and the other way round). Each class brands
// its instances in its constructor and tests the brand in a static `Symbol.hasInstance`, so
// nothing runs when the module loads: a bundle that uses only `formatUsd` drops these classes
// and the hints below (1.6 kB gzip in the Mini App).
const kikuaiErrorBrand = Symbol.for('@kikuai/sdk/KikuaiError');
const networkErrorBrand = Symbol.for('@kikuai/sdk/KikuaiNetworkError');
const timeoutErrorBrand = Symbol.for('@kikuai/sdk/KikuaiTimeoutError');

function hasBrand(value: unknown, brand: symbol): boolean {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true;
}

function addBrand(error: Error, brand: symbol): void {
  Object.defineProperty(error, brand, { value: true });
}

/**
 * What to do about each code, in the SDK's terms (its methods and options): one sentence
 * per code of the spec. The CLI, the bot and the Mini App word their own.
 */
const hintsByCode = {
  validation_failed: 'The request does not match the API contract; `problem.errors` names each field.',
  malformed_json: 'The request body is not valid JSON.',
  unsupported_media_type: 'Send the body as application/json.',
  payload_too_large: 'The request body is larger than the server or the product accepts; send less.',
  headers_too_large: 'The URL and headers together exceed 16 KiB: send a shorter URL (fewer query values) or fewer headers.',
  malformed_request: 'The server could not read the request as HTTP/1.1; check any proxy between you and the API.',
  request_timeout: 'The request did not arrive in time; check the network and retry.',
  unauthenticated: 'No credentials this operation accepts were sent: pass `auth` to createKikuaiClient().',
  invalid_api_key: 'The API key is malformed: pass the whole `kik_…` secret as `auth.apiKey`.',
  key_not_found: 'The API key is not known: pass a current key as `auth.apiKey` (`keys.create()` makes one).',
  key_revoked: 'This API key was revoked: create a new one with `keys.create()` using another key.',
  key_disabled: 'This API key is disabled: enable it with `keys.update(id, { enabled: true })` using another key.',
  key_expired: 'This API key has expired: create a new one with `keys.create()`, or clear `expires_at` with `keys.update()` using another key.',
  invalid_init_data: 'The Mini App initData is invalid: pass `Telegram.WebApp.initData` unchanged.',
  init_data_expired: 'The Mini App initData is too old: sign in again with fresh initData.',
  invalid_service_token: "The bot service token is wrong: check `auth.serviceToken` against the server's KIKUAI_BOT_SERVICE_TOKEN.",
  invalid_admin_token: "The admin token is wrong: check `auth.adminToken` against the server's KIKUAI_ADMIN_TOKEN.",
  invalid_signature: 'The webhook signature did not verify over the raw body.',
  account_suspended: 'This account is suspended; contact support and quote the request id.',
  account_not_found: 'No such account: register the user first with `auth.register()`.',
  product_not_allowed: 'This API key may not call this product; widen `allowed_products` with `keys.update()`.',
  permission_denied: 'This API key lacks the permission in `problem.permission`; use a key that has it (`keys.create()` with `permissions`).',
  key_bounds_exceeded: 'A key can give or change only what the calling key holds itself; call with a wider key.',
  not_found: 'No such resource, or it is not yours.',
  route_not_found: 'No such API route: check `baseUrl` and the SDK version.',
  method_not_allowed: 'This route does not accept this HTTP method.',
  too_many_keys: 'The account holds the most keys it may; revoke one with `keys.revoke()` first.',
  idempotency_key_reused: 'This Idempotency-Key was used with another request; use a fresh key for a new request.',
  idempotency_key_in_progress: 'A request with this Idempotency-Key is still running; retry it shortly with the same key.',
  topup_not_pending: 'This top-up is no longer pending.',
  invalid_amount: 'The amount is outside what a top-up may be; see `topups.options()`.',
  payment_method_unavailable: 'This payment method is not offered to this caller; see `topups.options()`.',
  insufficient_balance: 'The balance does not cover the price: top up with `topups.create()`.',
  balance_limit_exceeded: 'The balance would go above its ceiling (`problem.limit_micros`); nothing was changed.',
  spend_limit_reached: "This key's spend limit is reached until it resets; raise it with `keys.update()`.",
  rate_limited: 'Too many requests: wait `Retry-After` seconds before trying again.',
  product_unavailable: 'This product is not live yet; nothing was charged.',
  upstream_unreachable: 'The product could not be reached; the call was refunded. Try again later.',
  upstream_timeout: 'The product did not answer in time; the call was refunded. Try again later.',
  upstream_error: 'The product failed; the call was refunded. Try again later.',
  payment_provider_error: 'The payment provider failed; try again later.',
  stars_amount_refused: 'This Stars payment is for more Stars than its invoice or than Telegram allows; nothing was credited and the operator was told.',
  stars_charge_conflict: 'This Stars payment was recorded for another account; nothing was credited and the operator was told.',
  service_unavailable: 'The service is temporarily unavailable; try again later.',
  store_unavailable: 'The service is briefly unavailable; nothing was charged. Retry after `Retry-After` seconds.',
  internal_error: 'Something went wrong on the server; nothing was charged. Quote the request id to support.',
} as const satisfies Record<ErrorCode, string>;

const isErrorCode = (code: string): code is ErrorCode => Object.hasOwn(hintsByCode, code);

function hintFor(code: string, status: number, requestId: string | undefined): string {
  if (isErrorCode(code)) return hintsByCode[code];
  if (status === 401) return 'The credentials were refused: check the `auth` passed to createKikuaiClient().';
  if (status === 403) return 'The caller may not do this.';
  if (status === 404) return 'No such resource: check the id and `baseUrl`.';
  if (status === 429) return 'Too many requests: wait and try again.';
  if (status >= 500) return `The server failed${requestId ? `; quote request id ${requestId} to support` : ''}. Try again later.`;
  return 'The request was refused; see `detail`.';
}

function isProblemLike(body: unknown): body is Partial<Problem> & Record<string, unknown> {
  return typeof body === 'object' && body !== null && !Array.isArray(body);
}

function readMicrosHeader(headers: Headers | undefined, name: string): number | null {
  const value = headers?.get(name);
  if (value === null || value === undefined || !/^[0-9]+$/.test(value)) return null;
  return Number(value);
}

/**
 * What {@link KikuaiError} is built from.
 *
 * @example
 * ```ts
 * import { KikuaiError, type KikuaiErrorInit } from '@kikuai/sdk';
 * const init: KikuaiErrorInit = { status: 404, body: { code: 'not_found', title: 'Not found' } };
 * throw new KikuaiError(init);
 * ```
 */
export interface KikuaiErrorInit {
  /** The HTTP status of the response. */
  status: number;
  /** The parsed response body: a problem, or whatever else the server (or an upstream) sent. */
  body: unknown;
  /** The response headers (for `X-Request-Id` and the proxy's cost headers). */
  headers?: Headers;
}

/**
 * The API answered with an error (a 4xx or 5xx status). Carries the problem's `code`,
 * `title`, `detail` and `requestId`, the whole problem body, and a human `hint` on what
 * to do next. `instanceof` works across the ES module and CommonJS builds.
 *
 * Proxy calls refused by the upstream itself carry the upstream's body in `body` and the
 * cost of the call in `costMicros`.
 *
 * @example
 * ```ts
 * import { KikuaiError } from '@kikuai/sdk';
 * try {
 *   await kikuai.proxy.llm({ target: 'openai', model: 'gpt-4o-mini', messages: [] });
 * } catch (error) {
 *   if (error instanceof KikuaiError && error.code === 'insufficient_balance') {
 *     console.error(error.hint, error.problem?.price_micros, error.requestId);
 *   }
 * }
 * ```
 */
export class KikuaiError extends Error {
  /** The HTTP status. */
  readonly status: number;
  /** The problem's stable machine code, or `http_<status>` when the body is not a problem. */
  readonly code: ErrorCode | (string & {});
  /** The problem's title, or the status text. */
  readonly title: string;
  /** What happened, and what to do next, as the server words it. */
  readonly detail: string | undefined;
  /** The request's id (`X-Request-Id`), to quote to support. */
  readonly requestId: string | undefined;
  /** The problem body, when the body is one. */
  readonly problem: Problem | undefined;
  /** The parsed body as received (a problem, an upstream's JSON, or text). */
  readonly body: unknown;
  /** What to do about it, in one sentence. */
  readonly hint: string;
  /** The cost of this call in micro-USD (`X-Kikuai-Cost-Micros`), for proxy calls. */
  readonly costMicros: number | null;
  /** The balance after this call in micro-USD (`X-Kikuai-Balance-Micros`), for proxy calls. */
  readonly balanceMicros: number | null;
  /** The response headers. */
  readonly headers: Headers | undefined;

  constructor(init: KikuaiErrorInit) {
    const { status, body, headers } = init;
    const problemLike = isProblemLike(body) ? body : undefined;
    const code = typeof problemLike?.code === 'string' ? problemLike.code : `http_${status}`;
    const title = typeof problemLike?.title === 'string' ? problemLike.title : `HTTP ${status}`;
    const detail = typeof problemLike?.detail === 'string' ? problemLike.detail : typeof body === 'string' && body ? body.slice(0, 500) : undefined;
    const requestId = (typeof problemLike?.request_id === 'string' ? problemLike.request_id : undefined) ?? headers?.get('X-Request-Id') ?? undefined;
    super(`${title}${detail ? `: ${detail}` : ''} (${code}, status ${status}${requestId ? `, request ${requestId}` : ''})`);
    this.name = 'KikuaiError';
    this.status = status;
    this.code = code;
    this.title = title;
    this.detail = detail;
    this.requestId = requestId;
    this.problem = problemLike && typeof problemLike.code === 'string' ? (problemLike as Problem) : undefined;
    this.body = body;
    this.hint = hintFor(code, status, requestId);
    this.costMicros = readMicrosHeader(headers, 'X-Kikuai-Cost-Micros');
    this.balanceMicros = readMicrosHeader(headers, 'X-Kikuai-Balance-Micros');
    this.headers = headers;
    addBrand(this, kikuaiErrorBrand);
  }

  /**
   * Builds the error from an openapi-fetch result, for callers of `kikuai.raw`.
   *
   * @example
   * ```ts
   * const { data, error, response } = await kikuai.raw.GET('/api/v1/balance');
   * if (error !== undefined || !response.ok) throw KikuaiError.fromResponse(response, error);
   * ```
   */
  static fromResponse(response: Response, body: unknown): KikuaiError {
    return new KikuaiError({ status: response.status, body, headers: response.headers });
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return hasBrand(value, kikuaiErrorBrand);
  }
}

/**
 * The request never got an HTTP answer: DNS, connection refused or reset, TLS, CORS.
 * Not an API error. The original error is in `cause`. Idempotent requests are retried
 * before this is thrown.
 *
 * @example
 * ```ts
 * import { KikuaiNetworkError, KikuaiTimeoutError } from '@kikuai/sdk';
 * try {
 *   await kikuai.balance.get();
 * } catch (error) {
 *   if (error instanceof KikuaiTimeoutError) console.error('timed out');
 *   else if (error instanceof KikuaiNetworkError) console.error('offline?', error.cause);
 * }
 * ```
 */
export class KikuaiNetworkError extends Error {
  /** The method of the request that failed. */
  readonly method: string;
  /** The URL of the request that failed. */
  readonly url: string;
  /** How many attempts were made. */
  readonly attempts: number;

  constructor(message: string, options: { method: string; url: string; attempts: number; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.name = 'KikuaiNetworkError';
    this.method = options.method;
    this.url = options.url;
    this.attempts = options.attempts;
    addBrand(this, networkErrorBrand);
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return hasBrand(value, networkErrorBrand);
  }
}

/**
 * An attempt took longer than `timeoutMs` to get the response headers (and retries, if
 * allowed, did too). A kind of {@link KikuaiNetworkError}: check for it first.
 *
 * @example
 * ```ts
 * import { createKikuaiClient, KikuaiTimeoutError } from '@kikuai/sdk';
 * const kikuai = createKikuaiClient({ baseUrl: 'https://bot.kikuai.dev', auth: { apiKey: 'kik_…' }, timeoutMs: 5_000 });
 * try {
 *   await kikuai.balance.get();
 * } catch (error) {
 *   if (error instanceof KikuaiTimeoutError) console.error(`no answer within ${error.timeoutMs} ms`);
 * }
 * ```
 */
export class KikuaiTimeoutError extends KikuaiNetworkError {
  /** The per-attempt timeout that ran out. */
  readonly timeoutMs: number;

  constructor(message: string, options: { method: string; url: string; attempts: number; timeoutMs: number; cause?: unknown }) {
    super(message, options);
    this.name = 'KikuaiTimeoutError';
    this.timeoutMs = options.timeoutMs;
    addBrand(this, timeoutErrorBrand);
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return hasBrand(value, timeoutErrorBrand);
  }
}
