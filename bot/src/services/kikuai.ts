/**
 * The bot's only road to the API: @kikuai/sdk with the service credential, acting for one
 * Telegram user per client. Clients are cheap; one is made per update that needs it.
 */
import { createKikuaiClient } from '@kikuai/sdk';
import type { BotConfig } from '../config.js';

export type KikuaiClient = ReturnType<typeof createKikuaiClient>;

export interface KikuaiClientOptions {
  /** Per-call timeout; the payment path uses a short one to answer Telegram in time. */
  timeoutMs?: number;
  maxRetries?: number;
}

export type KikuaiClientFactory = (telegramUserId: number, options?: KikuaiClientOptions) => KikuaiClient;

export function createKikuaiClientFactory(
  config: Pick<BotConfig, 'apiBaseUrl' | 'serviceToken' | 'apiTimeoutMs'>,
  fetchImplementation?: typeof fetch,
): KikuaiClientFactory {
  return (telegramUserId, options = {}) =>
    createKikuaiClient({
      baseUrl: config.apiBaseUrl,
      auth: { serviceToken: config.serviceToken, telegramUserId },
      timeoutMs: options.timeoutMs ?? config.apiTimeoutMs,
      maxRetries: options.maxRetries ?? 1,
      // A chat waits for the answer: retry briefly, and tell the user about a long Retry-After rather than sit on it.
      retryBackoff: { initialDelayMs: 200, maxDelayMs: 1_000, maxRetryAfterMs: 2_000 },
      userAgent: 'kikuai-bot',
      ...(fetchImplementation ? { fetch: fetchImplementation } : {}),
    });
}
