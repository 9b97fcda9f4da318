/**
 * Options every resource method accepts as its last argument.
 *
 * @example
 * ```ts
 * import type { RequestOptions } from '@kikuai/sdk';
 * const controller = new AbortController();
 * const options: RequestOptions = { signal: controller.signal, timeoutMs: 5_000, idempotencyKey: 'topup-order-42' };
 * await kikuai.topups.create({ method: 'paddle', amount_micros: 10_000_000 }, options);
 * ```
 */
export interface RequestOptions {
  /** Cancels the request (and its retries, and a stream being read). Rejects with the signal's reason. */
  signal?: AbortSignal;
  /**
   * The `Idempotency-Key` header. Methods that create things or move money generate one
   * when it is left out; on any POST it also allows automatic retries (the same key is
   * sent on every attempt). Pass your own to make a retry of yours safe too.
   */
  idempotencyKey?: string;
  /** Extra headers for this request. */
  headers?: Record<string, string>;
  /** Overrides the client's per-attempt timeout for this request. */
  timeoutMs?: number;
  /** Overrides the client's `maxRetries` for this request. */
  maxRetries?: number;
}
