import { KikuaiNetworkError, KikuaiTimeoutError } from './errors.js';

/**
 * How long to wait between attempts. Full jitter: the wait before retry `n` is a random
 * time between 0 and `min(maxDelayMs, initialDelayMs * 2 ** n)`, unless the server
 * sent `Retry-After` (seconds or an HTTP date), which is honoured up to `maxRetryAfterMs`.
 *
 * @example
 * ```ts
 * import { createKikuaiClient, type RetryBackoff } from '@kikuai/sdk';
 * const retryBackoff: RetryBackoff = { initialDelayMs: 200, maxDelayMs: 5_000, maxRetryAfterMs: 30_000 };
 * const kikuai = createKikuaiClient({ baseUrl: 'https://bot.kikuai.dev', retryBackoff });
 * ```
 */
export interface RetryBackoff {
  /** The ceiling of the first wait (default 500 ms). */
  initialDelayMs?: number;
  /** The largest ceiling of a computed wait (default 8 s). */
  maxDelayMs?: number;
  /** The longest `Retry-After` honoured; longer ones are cut to this (default 60 s). */
  maxRetryAfterMs?: number;
}

/**
 * The settings of {@link createRetryingFetch}.
 *
 * @example
 * ```ts
 * import { createRetryingFetch, type RetryingFetchOptions } from '@kikuai/sdk';
 * const options: RetryingFetchOptions = { maxRetries: 2, timeoutMs: 10_000 };
 * const fetchWithRetries = createRetryingFetch(options);
 * ```
 */
export interface RetryingFetchOptions extends RetryBackoff {
  /** Retries after the first attempt (default 2). 0 disables retries. */
  maxRetries?: number;
  /** Per-attempt limit in milliseconds until the response headers arrive (default 60 s); 0 for none. */
  timeoutMs?: number;
  /** The fetch to call (default `globalThis.fetch`). */
  fetch?: typeof globalThis.fetch;
}

const idempotentMethods = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);
const retriedStatuses = new Set([429, 503]);

/**
 * Whether a request may be sent again without risking a repeated effect: idempotent
 * methods always, POST and PATCH only with an `Idempotency-Key` header.
 *
 * @example
 * ```ts
 * import { isRetryableRequest } from '@kikuai/sdk';
 * isRetryableRequest(new Request('https://bot.kikuai.dev/api/v1/balance')); // true
 * isRetryableRequest(new Request('https://bot.kikuai.dev/api/v1/proxy/llm', { method: 'POST' })); // false
 * ```
 */
export function isRetryableRequest(request: Request): boolean {
  return idempotentMethods.has(request.method.toUpperCase()) || request.headers.has('Idempotency-Key');
}

/**
 * Reads `Retry-After` (delay-seconds or an HTTP date) as milliseconds from `now`.
 *
 * @example
 * ```ts
 * import { parseRetryAfter } from '@kikuai/sdk';
 * parseRetryAfter('3'); // 3000
 * parseRetryAfter('Wed, 21 Oct 2026 07:28:00 GMT', Date.parse('Wed, 21 Oct 2026 07:27:58 GMT')); // 2000
 * parseRetryAfter('soon'); // undefined
 * ```
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^[0-9]+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

function sleep(milliseconds: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, milliseconds);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function anySignal(signals: AbortSignal[]): AbortSignal {
  if (typeof AbortSignal.any === 'function') return AbortSignal.any(signals);
  const controller = new AbortController();
  for (const signal of signals) {
    if (signal.aborted) {
      controller.abort(signal.reason);
      break;
    }
    signal.addEventListener('abort', () => controller.abort(signal.reason), { once: true, signal: controller.signal });
  }
  return controller.signal;
}

/**
 * A `fetch` that retries what is safe to retry: 429 and 503 answers and network
 * failures, for idempotent methods and for POST/PATCH carrying an `Idempotency-Key`
 * (sent unchanged on every attempt). Waits with exponential backoff and full jitter,
 * honouring `Retry-After`. Each attempt has its own timeout, combined with the request's
 * own `signal`; the timeout covers the wait for the response headers, so a stream may
 * run longer. Throws {@link KikuaiTimeoutError} or {@link KikuaiNetworkError} when no
 * attempt got an answer; an aborted `signal` rejects with its reason.
 * `createKikuaiClient` puts it below openapi-fetch's middleware.
 *
 * @example
 * ```ts
 * import { createRetryingFetch } from '@kikuai/sdk';
 * const fetchWithRetries = createRetryingFetch({ maxRetries: 3, timeoutMs: 5_000 });
 * const response = await fetchWithRetries('https://bot.kikuai.dev/healthz');
 * ```
 */
export function createRetryingFetch(options: RetryingFetchOptions = {}): (input: RequestInfo | URL, init?: RequestInit) => Promise<Response> {
  const maxRetries = Math.max(0, Math.floor(options.maxRetries ?? 2));
  const timeoutMs = options.timeoutMs ?? 60_000;
  const initialDelayMs = options.initialDelayMs ?? 500;
  const maxDelayMs = options.maxDelayMs ?? 8_000;
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 60_000;

  return async function retryingFetch(input, init) {
    const baseFetch = options.fetch ?? globalThis.fetch;
    const original = input instanceof Request && init === undefined ? input : new Request(input, init);
    const callerSignal = original.signal;
    const retryable = isRetryableRequest(original);
    const attemptsAllowed = retryable ? maxRetries + 1 : 1;

    for (let attempt = 1; ; attempt += 1) {
      callerSignal.throwIfAborted();
      const timeoutController = new AbortController();
      const timer =
        timeoutMs > 0
          ? setTimeout(() => timeoutController.abort(new DOMException(`No response within ${timeoutMs} ms`, 'TimeoutError')), timeoutMs)
          : undefined;
      const isLast = attempt >= attemptsAllowed;
      let failure: KikuaiNetworkError;
      try {
        const request = new Request(isLast ? original : original.clone(), { signal: anySignal([callerSignal, timeoutController.signal]) });
        const response = await baseFetch(request);
        clearTimeout(timer);
        if (isLast || !retriedStatuses.has(response.status)) return response;
        const retryAfter = parseRetryAfter(response.headers.get('Retry-After'));
        await response.body?.cancel().catch(() => undefined);
        const delay = retryAfter !== undefined ? Math.min(retryAfter, maxRetryAfterMs) : backoff(attempt);
        await sleep(delay, callerSignal);
        continue;
      } catch (error) {
        clearTimeout(timer);
        if (callerSignal.aborted) throw callerSignal.reason;
        if (error instanceof KikuaiNetworkError) throw error;
        const details = { method: original.method, url: original.url, attempts: attempt, cause: error };
        failure = timeoutController.signal.aborted
          ? new KikuaiTimeoutError(`${original.method} ${original.url} got no response within ${timeoutMs} ms (attempt ${attempt} of ${attemptsAllowed})`, {
              ...details,
              timeoutMs,
            })
          : new KikuaiNetworkError(
              `${original.method} ${original.url} failed: ${error instanceof Error ? error.message : String(error)} (attempt ${attempt} of ${attemptsAllowed})`,
              details,
            );
      }
      if (isLast) throw failure;
      await sleep(backoff(attempt), callerSignal);
    }
  };

  function backoff(attempt: number): number {
    return Math.random() * Math.min(maxDelayMs, initialDelayMs * 2 ** (attempt - 1));
  }
}
