import type { RequestOptions } from '../request-options.js';
import type { Me, RegisterRequest, RegisterResponse, UpdateMeRequest } from '../types.js';
import { unwrap, type ResourceContext } from './context.js';

/**
 * Accounts and who is calling: `kikuai.auth`.
 *
 * @example
 * ```ts
 * const { account, auth } = await kikuai.auth.me();
 * console.log(account.id, auth.method);
 * ```
 */
export interface AuthResource {
  /**
   * Registers a Telegram user (bot or Mini App callers), or returns the existing account
   * unchanged (`created: false`). Sends a generated `Idempotency-Key` unless you pass one.
   *
   * @example
   * ```ts
   * const bot = createKikuaiClient({ baseUrl, auth: { serviceToken, telegramUserId: 279058397 } });
   * const { created, api_key } = await bot.auth.register({ telegram_user: { id: 279058397, username: 'vdkfrost' } });
   * if (created) console.log('first key:', api_key?.secret);
   * ```
   */
  register(body?: RegisterRequest, options?: RequestOptions): Promise<RegisterResponse>;
  /**
   * The caller's account, and the key used when the caller is an API key.
   *
   * @example
   * ```ts
   * const { account } = await kikuai.auth.me();
   * ```
   */
  me(options?: RequestOptions): Promise<Me>;
  /**
   * Sets the low-balance warning threshold and the language of notifications.
   *
   * @example
   * ```ts
   * await kikuai.auth.update({ low_balance_threshold_micros: 2_000_000 });
   * ```
   */
  update(body: UpdateMeRequest, options?: RequestOptions): Promise<Me>;
}

export function createAuthResource(context: ResourceContext): AuthResource {
  const { raw } = context;
  return {
    register: (body, options) => unwrap(raw.POST('/api/v1/auth/register', { body: body ?? {}, ...context.init(options, 'generate') })),
    me: (options) => unwrap(raw.GET('/api/v1/auth/me', context.init(options))),
    update: (body, options) => unwrap(raw.PATCH('/api/v1/auth/me', { body, ...context.init(options) })),
  };
}
