/** What the store and reconciler suites build their data from: API keys as the store receives them, reserve requests, top-ups. */
import { createHash, randomBytes } from 'node:crypto';
import { newKeyId, newTopupId } from '../../src/store/ids.js';
import type { NewKey, ReserveRequest, Topup, UsageEvent } from '../../src/store/types.js';

/** The instant the store suites start from (a Wednesday). */
export const T0 = Date.parse('2026-03-04T10:00:00.000Z');

export const sha256 = (secret: string): string => createHash('sha256').update(secret).digest('hex');

/** A fresh key with a random secret (kept beside it, as `secret`), named `default`. */
export function newKey(overrides: Partial<NewKey> = {}): NewKey & { secret: string } {
  const secret = `kik_${randomBytes(24).toString('base64url')}`;
  return { id: newKeyId(), name: 'default', prefix: secret.slice(0, 8), last_four: secret.slice(-4), hash: sha256(secret), secret, ...overrides };
}

/** A reserve of a 1,000 micro-USD `reliapi` call at T0 with no rate limits, under a random `call:` reference. */
export function reserveRequest(accountId: string, key: { id: string; hash: string }, overrides: Partial<ReserveRequest> = {}): ReserveRequest {
  return {
    account_id: accountId,
    key_id: key.id,
    hash: key.hash,
    now_ms: T0,
    rate_limits: [],
    product_id: 'reliapi',
    price_micros: 1000,
    external_ref: `call:${randomBytes(8).toString('hex')}`,
    reason: 'reliapi call',
    ...overrides,
  };
}

/** A card top-up waiting for Paddle (`txn_1`), created at `createdAt`. */
export function pendingPaddleTopup(accountId: string, amountMicros: number, createdAt: string): Topup {
  return {
    id: newTopupId(),
    account_id: accountId,
    method: 'paddle',
    amount_micros: amountMicros,
    stars: null,
    status: 'pending',
    checkout_url: null,
    invoice_link: null,
    provider_ref: 'txn_1',
    ledger_entry_id: null,
    created_at: createdAt,
    completed_at: null,
  };
}

/** A metered call's usage: a 1,000 micro-USD `reliapi/llm` call answered 200 in 7 ms at T0. */
export function usageEvent(accountId: string, keyId: string, overrides: Partial<UsageEvent> = {}): UsageEvent {
  return {
    account_id: accountId,
    key_id: keyId,
    product_id: 'reliapi',
    endpoint: 'llm',
    cost_micros: 1000,
    upstream_status: 200,
    latency_ms: 7,
    at: new Date(T0).toISOString(),
    ...overrides,
  };
}
