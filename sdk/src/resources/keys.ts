import type { RequestOptions } from '../request-options.js';
import type { ApiKey, ApiKeyList, ApiKeyWithSecret, CreateApiKeyRequest, RotateApiKeyRequest, UpdateApiKeyRequest } from '../types.js';
import { unwrap, type ResourceContext } from './context.js';

/**
 * API keys: `kikuai.keys`. Secrets are returned only by `create` and `rotate`.
 *
 * @example
 * ```ts
 * const { data } = await kikuai.keys.list();
 * for (const key of data) console.log(key.id, key.name, key.status);
 * ```
 */
export interface KeysResource {
  /**
   * The caller's keys that are not revoked, oldest first.
   *
   * @example
   * ```ts
   * const { data: keys } = await kikuai.keys.list();
   * ```
   */
  list(options?: RequestOptions): Promise<ApiKeyList>;
  /**
   * Creates a key; its `secret` is in the result this once. Sends a generated
   * `Idempotency-Key` unless you pass one, so a retry never makes two keys. Needs
   * `keys:manage`; the new key stays within the calling key's bounds (fields left out
   * are copied from it; wider ones are a 403 `key_bounds_exceeded`).
   *
   * @example
   * ```ts
   * const key = await kikuai.keys.create({ name: 'ci', allowed_products: ['reliapi'], permissions: ['products:call'], spend_limit_micros: 5_000_000, spend_limit_period: 'monthly' });
   * console.log(key.secret, key.permissions);
   * ```
   */
  create(body?: CreateApiKeyRequest, options?: RequestOptions): Promise<ApiKeyWithSecret>;
  /**
   * One key.
   *
   * @example
   * ```ts
   * const key = await kikuai.keys.get('key_01JD6Z4T0Q8X9W2V3B4N5M6K7J');
   * ```
   */
  get(keyId: string, options?: RequestOptions): Promise<ApiKey>;
  /**
   * Renames, enables or disables a key, or sets its expiry, products, permissions and
   * spend limit. Fields left out are unchanged; `null` clears. A key may only narrow
   * itself; with `keys:manage` it changes other keys within its own bounds.
   *
   * @example
   * ```ts
   * await kikuai.keys.update('key_01JD6Z4T0Q8X9W2V3B4N5M6K7J', { enabled: false });
   * ```
   */
  update(keyId: string, body: UpdateApiKeyRequest, options?: RequestOptions): Promise<ApiKey>;
  /**
   * Revokes a key for good.
   *
   * @example
   * ```ts
   * const revoked = await kikuai.keys.revoke('key_01JD6Z4T0Q8X9W2V3B4N5M6K7J');
   * console.log(revoked.status); // 'revoked'
   * ```
   */
  revoke(keyId: string, options?: RequestOptions): Promise<ApiKey>;
  /**
   * Gives a key a new secret under the same id; the old one stays valid for
   * `grace_period_seconds`. Sends a generated `Idempotency-Key` unless you pass one.
   *
   * @example
   * ```ts
   * const { secret } = await kikuai.keys.rotate('key_01JD6Z4T0Q8X9W2V3B4N5M6K7J', { grace_period_seconds: 3600 });
   * ```
   */
  rotate(keyId: string, body?: RotateApiKeyRequest, options?: RequestOptions): Promise<ApiKeyWithSecret>;
}

export function createKeysResource(context: ResourceContext): KeysResource {
  const { raw } = context;
  const path = (key_id: string) => ({ params: { path: { key_id } } });
  return {
    list: (options) => unwrap(raw.GET('/api/v1/api_keys', context.init(options))),
    create: (body, options) => unwrap(raw.POST('/api/v1/api_keys', { body: body ?? {}, ...context.init(options, 'generate') })),
    get: (keyId, options) => unwrap(raw.GET('/api/v1/api_keys/{key_id}', { ...path(keyId), ...context.init(options) })),
    update: (keyId, body, options) => unwrap(raw.PATCH('/api/v1/api_keys/{key_id}', { ...path(keyId), body, ...context.init(options) })),
    revoke: (keyId, options) => unwrap(raw.DELETE('/api/v1/api_keys/{key_id}', { ...path(keyId), ...context.init(options) })),
    rotate: (keyId, body, options) =>
      unwrap(raw.POST('/api/v1/api_keys/{key_id}/rotate', { ...path(keyId), body: body ?? {}, ...context.init(options, 'generate') })),
  };
}
