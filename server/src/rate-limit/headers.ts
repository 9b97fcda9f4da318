/**
 * What a caller sees of the rate limits: the `RateLimit-*` headers of the tightest bucket
 * on every answer, and the 429 with `Retry-After` once a bucket is full. Used by the
 * authentication preHandler and by the metered proxy (which checks limits in its own
 * store round trip).
 */
import type { FastifyReply } from 'fastify';
import { ApiProblem } from '../http/problem.js';
import { bucketOwner } from '../store/logic.js';
import type { RateLimitState } from '../store/types.js';

export function rateLimitHeaders(states: RateLimitState[]): Record<string, string> {
  if (states.length === 0) return {};
  // The tightest bucket is the one the caller will meet first.
  const tightest = states.reduce((a, b) => (b.remaining < a.remaining ? b : a));
  return {
    'RateLimit-Limit': String(tightest.limit),
    'RateLimit-Remaining': String(Math.max(0, tightest.remaining)),
    'RateLimit-Reset': String(Math.ceil(tightest.reset_ms / 1000)),
  };
}

export function setRateLimitHeaders(reply: FastifyReply, states: RateLimitState[]): void {
  reply.headers(rateLimitHeaders(states));
}

export function rateLimitedProblem(state: RateLimitState, states: RateLimitState[]): ApiProblem {
  const retryAfter = Math.max(1, Math.ceil(state.reset_ms / 1000));
  return new ApiProblem(
    429,
    'rate_limited',
    `Rate limit of ${state.limit} requests reached (${bucketOwner(state.bucket)}).`,
    { retry_after_seconds: retryAfter },
    { ...rateLimitHeaders(states), 'Retry-After': String(retryAfter) },
  );
}
