/**
 * The rate limits a request counts against, from the configuration: its key's bucket and
 * its account's (which the account's keys, the bot acting for it and the Mini App share).
 * The store checks them atomically with the rest of the request's checks.
 */
import type { Config } from '../config.js';
import { keyBucket } from '../store/logic.js';
import type { RateLimitRule } from '../store/types.js';

type RateLimitConfig = { config: Pick<Config, 'rateLimit'> };

export function accountRateLimitRule(context: RateLimitConfig): RateLimitRule {
  return { bucket: 'account', limit: context.config.rateLimit.perAccount, window_ms: context.config.rateLimit.windowSeconds * 1000 };
}

export function rateLimitRules(context: RateLimitConfig, keyId: string): RateLimitRule[] {
  const windowMs = context.config.rateLimit.windowSeconds * 1000;
  return [{ bucket: keyBucket(keyId), limit: context.config.rateLimit.perKey, window_ms: windowMs }, accountRateLimitRule(context)];
}
