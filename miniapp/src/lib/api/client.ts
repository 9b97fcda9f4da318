import { createRetryingFetch, KikuaiTimeoutError } from '@kikuai/sdk';
import type { AuthResource, BalanceResource, ErrorCode, HistoryResource, KeysResource, ProductsResource, TopupsResource, UsageResource } from '@kikuai/sdk';
import type { paths } from '@kikuai/sdk/contract';

/*
 * The Mini App's API client: the operations it uses, typed by the contract (`paths` from
 * `@kikuai/sdk/contract`: a path that is not in openapi.yaml, a wrong body or query, or a
 * response read as the wrong type does not compile), sent through the SDK's own retrying
 * fetch (its KikuaiNetworkError and KikuaiTimeoutError when there is no answer).
 *
 * Why not `createKikuaiClient()`: it builds every resource (admin, proxy, streaming, Stars…)
 * on openapi-fetch, 9 kB gzip of which the app used a fifth, in a bundle held under 45 kB
 * (README, "Size"). The methods below have the SDK's names and signatures (checked by
 * `satisfies` against its resource types), so the screens read as SDK code.
 */

/**
 * The API answered with an error: the problem's code, the server's `detail` and the request
 * id, which is all the Mini App reads (`errors.ts` words it for the user). The SDK's
 * KikuaiError also carries a developer's hint for every code of the spec, 1.6 kB gzip the
 * app would ship and never show.
 */
export class ApiError extends Error {
  readonly status: number;
  /** The problem's code, or `http_<status>` when the body is not a problem (a proxy's error page). */
  readonly code: ErrorCode | (string & {});
  readonly detail: string | undefined;
  readonly requestId: string | undefined;

  constructor(status: number, body: unknown, headers?: Headers) {
    const problem = typeof body === 'object' && body !== null ? (body as { code?: unknown; title?: unknown; detail?: unknown; request_id?: unknown }) : {};
    const code = typeof problem.code === 'string' ? problem.code : `http_${status}`;
    const detail = typeof problem.detail === 'string' ? problem.detail : typeof body === 'string' && body ? body.slice(0, 500) : undefined;
    super(`${typeof problem.title === 'string' ? problem.title : `HTTP ${status}`}${detail ? `: ${detail}` : ''} (${code})`);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.detail = detail;
    this.requestId = (typeof problem.request_id === 'string' ? problem.request_id : undefined) ?? headers?.get('X-Request-Id') ?? undefined;
  }
}

type Method = 'get' | 'post' | 'patch' | 'delete';
/** The contract's paths that take `method`. */
type PathWith<M extends Method> = { [P in keyof paths]: paths[P][M] extends { responses: unknown } ? P : never }[keyof paths];
type Operation<P extends keyof paths, M extends Method> = paths[P][M];
type Json<Response> = Response extends { content: { 'application/json': infer Body } } ? Body : never;
type Success<O> = O extends { responses: infer R } ? Json<R[200 & keyof R]> | Json<R[201 & keyof R]> : never;
type Query<O> = O extends { parameters: { query?: infer Q } } ? Q : never;
type Body<O> = O extends { requestBody?: { content: { 'application/json': infer B } } } ? B : never;

interface Call<O> {
  /** Fills the path's `{name}` templates. */
  path?: Record<string, string>;
  query?: Query<O>;
  body?: Body<O>;
  headers?: Record<string, string> | undefined;
  /** Sends an `Idempotency-Key` (what creates things), which also makes the POST safe to retry, as the SDK does. */
  idempotent?: boolean;
}

/** The part of the SDK's `RequestOptions` the app passes: the product screens' `Accept-Language`. */
export interface ApiRequestOptions {
  headers?: Record<string, string>;
}

/** A random UUID; `crypto.randomUUID` exists only in secure contexts (https, localhost). */
function idempotencyKey(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/**
 * The one place the app builds its API client: same origin as the page (the server
 * serves the app at /webapp), authenticated by the raw initData (`Authorization: tma …`).
 */
export function createApi(initData: string, baseUrl: string = window.location.origin) {
  const send = createRetryingFetch({ timeoutMs: 15_000, maxRetries: 1 });

  async function call<M extends Method, P extends PathWith<M>>(method: M, path: P, call: Call<Operation<P, M>> = {}): Promise<Success<Operation<P, M>>> {
    const url = new URL(
      path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(call.path?.[name] ?? '')),
      baseUrl,
    );
    for (const [name, value] of Object.entries<string | number | boolean | undefined>(call.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    const headers: Record<string, string> = { Authorization: `tma ${initData}`, ...call.headers };
    if (call.idempotent) headers['Idempotency-Key'] = idempotencyKey();
    if (call.body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await send(url, { method: method.toUpperCase(), headers, body: call.body === undefined ? null : JSON.stringify(call.body) });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON (a proxy's error page): ApiError keeps the text as the detail.
    }
    if (!response.ok) throw new ApiError(response.status, body, response.headers);
    return body as Success<Operation<P, M>>;
  }

  const keyPath = (keyId: string) => ({ path: { key_id: keyId } });
  const getTopup = (topupId: string) => call('get', '/api/v1/payment/topup/{topup_id}', { path: { topup_id: topupId } });

  return {
    auth: {
      register: (body = {}) => call('post', '/api/v1/auth/register', { body, idempotent: true }),
    },
    balance: {
      get: () => call('get', '/api/v1/balance'),
    },
    usage: {
      get: (query = {}) => call('get', '/api/v1/usage', { query: { ...query, format: 'json' } }),
    },
    history: {
      list: (query = {}) => call('get', '/api/v1/history', { query }),
      daily: (query = {}) => call('get', '/api/v1/history/daily', { query }),
    },
    keys: {
      list: () => call('get', '/api/v1/api_keys'),
      create: (body = {}) => call('post', '/api/v1/api_keys', { body, idempotent: true }),
      get: (keyId: string) => call('get', '/api/v1/api_keys/{key_id}', keyPath(keyId)),
      update: (keyId: string, body: Body<Operation<'/api/v1/api_keys/{key_id}', 'patch'>>) =>
        call('patch', '/api/v1/api_keys/{key_id}', { ...keyPath(keyId), body }),
      revoke: (keyId: string) => call('delete', '/api/v1/api_keys/{key_id}', keyPath(keyId)),
      rotate: (keyId: string, body = {}) => call('post', '/api/v1/api_keys/{key_id}/rotate', { ...keyPath(keyId), body, idempotent: true }),
    },
    products: {
      list: (options?: ApiRequestOptions) => call('get', '/api/v1/products', { headers: options?.headers }),
      get: (productId: string, options?: ApiRequestOptions) =>
        call('get', '/api/v1/products/{product_id}', { path: { product_id: productId }, headers: options?.headers }),
    },
    topups: {
      options: () => call('get', '/api/v1/payment/options'),
      create: (body: Body<Operation<'/api/v1/payment/topup', 'post'>>) => call('post', '/api/v1/payment/topup', { body, idempotent: true }),
      get: getTopup,
      /** Polls until the top-up is no longer `pending` (the bot records Telegram's payment); KikuaiTimeoutError after `timeoutMs`. */
      async waitForCompletion(topupId: string, { intervalMs = 2_000, timeoutMs = 60_000 }: { intervalMs?: number; timeoutMs?: number } = {}) {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const topup = await getTopup(topupId);
          if (topup.status !== 'pending') return topup;
          if (Date.now() + intervalMs > deadline) {
            throw new KikuaiTimeoutError(`Top-up ${topupId} was still pending after ${timeoutMs} ms`, { method: 'GET', url: topupId, attempts: 1, timeoutMs });
          }
          await new Promise((resolve) => setTimeout(resolve, intervalMs));
        }
      },
    },
  } satisfies {
    auth: Pick<AuthResource, 'register'>;
    balance: BalanceResource;
    usage: Pick<UsageResource, 'get'>;
    history: Pick<HistoryResource, 'list' | 'daily'>;
    keys: Pick<KeysResource, 'list' | 'create' | 'get' | 'update' | 'revoke' | 'rotate'>;
    products: ProductsResource;
    topups: Pick<TopupsResource, 'options' | 'create' | 'get' | 'waitForCompletion'>;
  };
}

export type Api = ReturnType<typeof createApi>;
