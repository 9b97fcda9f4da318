import { KikuaiTimeoutError } from '../errors.js';
import type { RequestOptions } from '../request-options.js';
import type { CreateTopupRequest, Topup, TopupOptions } from '../types.js';
import { unwrap, type ResourceContext } from './context.js';

/**
 * How `topups.waitForCompletion()` polls.
 *
 * @example
 * ```ts
 * import type { WaitForCompletionOptions } from '@kikuai/sdk';
 * const options: WaitForCompletionOptions = { intervalMs: 3_000, timeoutMs: 10 * 60_000 };
 * ```
 */
export interface WaitForCompletionOptions {
  /** Time between polls (default 2 s). */
  intervalMs?: number;
  /** Stops waiting; rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Gives up after this long with a `KikuaiTimeoutError` (default: wait as long as the signal allows). */
  timeoutMs?: number;
}

/**
 * Top-ups by Paddle card checkout or Telegram Stars: `kikuai.topups`.
 *
 * @example
 * ```ts
 * const topup = await kikuai.topups.create({ method: 'paddle', amount_micros: 10_000_000 });
 * console.log('pay here:', topup.checkout_url);
 * const done = await kikuai.topups.waitForCompletion(topup.id);
 * ```
 */
export interface TopupsResource {
  /**
   * The amounts a top-up may have, the methods offered to this caller, the value of a Star.
   *
   * @example
   * ```ts
   * const { presets_micros, min_micros, max_micros, methods } = await kikuai.topups.options();
   * ```
   */
  options(options?: RequestOptions): Promise<TopupOptions>;
  /**
   * Starts a top-up and returns where to pay it (`checkout_url` or `invoice_link`).
   * Sends a generated `Idempotency-Key` unless you pass one.
   *
   * @example
   * ```ts
   * const topup = await kikuai.topups.create({ method: 'stars', amount_micros: 5_000_000 });
   * console.log(topup.invoice_link);
   * ```
   */
  create(body: CreateTopupRequest, options?: RequestOptions): Promise<Topup>;
  /**
   * One top-up.
   *
   * @example
   * ```ts
   * const { status } = await kikuai.topups.get('top_01JD6Z4T0Q8X9W2V3B4N5M6K7J');
   * ```
   */
  get(topupId: string, options?: RequestOptions): Promise<Topup>;
  /**
   * Polls a top-up until it is no longer `pending`, and returns it (`completed`,
   * `failed`, `expired` or `refunded`).
   *
   * @example
   * ```ts
   * const topup = await kikuai.topups.waitForCompletion('top_01JD6Z4T0Q8X9W2V3B4N5M6K7J', { intervalMs: 3_000, signal: AbortSignal.timeout(600_000) });
   * if (topup.status === 'completed') console.log('credited', topup.amount_usd);
   * ```
   */
  waitForCompletion(topupId: string, options?: WaitForCompletionOptions): Promise<Topup>;
}

function delay(milliseconds: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    signal?.throwIfAborted();
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, milliseconds);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function createTopupsResource(context: ResourceContext): TopupsResource {
  const { raw } = context;
  const get = (topupId: string, options?: RequestOptions) =>
    unwrap(raw.GET('/api/v1/payment/topup/{topup_id}', { params: { path: { topup_id: topupId } }, ...context.init(options) }));
  return {
    options: (options) => unwrap(raw.GET('/api/v1/payment/options', context.init(options))),
    create: (body, options) => unwrap(raw.POST('/api/v1/payment/topup', { body, ...context.init(options, 'generate') })),
    get,
    async waitForCompletion(topupId, { intervalMs = 2_000, signal, timeoutMs } = {}) {
      const deadline = timeoutMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + timeoutMs;
      for (;;) {
        const topup = await get(topupId, { signal });
        if (topup.status !== 'pending') return topup;
        if (Date.now() + intervalMs > deadline) {
          throw new KikuaiTimeoutError(`Top-up ${topupId} was still pending after ${timeoutMs} ms`, {
            method: 'GET',
            url: `/api/v1/payment/topup/${topupId}`,
            attempts: 1,
            timeoutMs: timeoutMs ?? 0,
          });
        }
        await delay(intervalMs, signal);
      }
    },
  };
}
