/**
 * The few Bot API methods the server calls itself (createInvoiceLink, refundStarPayment,
 * sendMessage), as JSON POSTs to `${apiRoot}/bot${token}/${method}`. The bot process owns
 * the update stream; these calls need no updates. The token never reaches an error
 * message or a log line.
 */
export class BotApiError extends Error {
  override name = 'BotApiError';
  constructor(
    readonly method: string,
    /** Telegram's error_code (HTTP-like), or 0 for a network failure or timeout. */
    readonly errorCode: number,
    readonly description: string,
    readonly retryAfterSeconds: number | null = null,
  ) {
    super(`Telegram ${method} failed: ${errorCode ? `${errorCode} ` : ''}${description}`);
  }
}

export interface BotApi {
  readonly configured: boolean;
  call<T = unknown>(method: string, params: Record<string, unknown>, options?: { timeoutMs?: number }): Promise<T>;
}

export function createBotApi(options: { token: string | undefined; apiRoot: string; timeoutMs?: number }): BotApi {
  const defaultTimeout = options.timeoutMs ?? 10_000;
  return {
    configured: Boolean(options.token),
    async call<T>(method: string, params: Record<string, unknown>, callOptions: { timeoutMs?: number } = {}): Promise<T> {
      if (!options.token) throw new BotApiError(method, 0, 'no bot token is configured (TELEGRAM_BOT_TOKEN)');
      let response: Response;
      try {
        response = await fetch(`${options.apiRoot}/bot${options.token}/${method}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(params),
          signal: AbortSignal.timeout(callOptions.timeoutMs ?? defaultTimeout),
        });
      } catch (error) {
        const timedOut = (error as Error).name === 'TimeoutError';
        throw new BotApiError(method, 0, timedOut ? 'timed out' : 'could not reach the Bot API');
      }
      let body: { ok?: boolean; result?: T; error_code?: number; description?: string; parameters?: { retry_after?: number } };
      try {
        body = (await response.json()) as typeof body;
      } catch {
        throw new BotApiError(method, response.status, 'the Bot API answered something that is not JSON');
      }
      if (!body.ok) {
        throw new BotApiError(method, body.error_code ?? response.status, body.description ?? 'unknown error', body.parameters?.retry_after ?? null);
      }
      return body.result as T;
    },
  };
}
