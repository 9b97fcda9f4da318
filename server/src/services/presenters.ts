/** Store records → the API's shapes (openapi.yaml's schemas). */
import type { Account, ApiKeyRecord, LedgerEntry, SpendLimitPeriod, Topup, UsageRow } from '../store/types.js';
import { microsToUsd } from './money.js';

export function presentAccount(account: Account) {
  return {
    id: account.id,
    telegram_id: account.telegram_id,
    username: account.username,
    first_name: account.first_name,
    last_name: account.last_name,
    language_code: account.language_code,
    status: account.status,
    balance_micros: account.balance_micros,
    balance_usd: microsToUsd(account.balance_micros),
    low_balance_threshold_micros: account.low_balance_threshold_micros,
    created_at: account.created_at,
  };
}

/** Start of the spend-limit period that contains `now` (UTC; weeks start on Monday). */
export function periodStart(period: SpendLimitPeriod, now: Date): Date {
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  if (period === 'weekly') start.setUTCDate(start.getUTCDate() - ((start.getUTCDay() + 6) % 7));
  if (period === 'monthly') start.setUTCDate(1);
  return start;
}

export function periodEnd(period: SpendLimitPeriod, now: Date): Date {
  const end = periodStart(period, now);
  if (period === 'daily') end.setUTCDate(end.getUTCDate() + 1);
  if (period === 'weekly') end.setUTCDate(end.getUTCDate() + 7);
  if (period === 'monthly') end.setUTCMonth(end.getUTCMonth() + 1);
  return end;
}

export function keyStatus(key: ApiKeyRecord, now: Date): 'active' | 'disabled' | 'expired' | 'revoked' {
  if (key.revoked_at) return 'revoked';
  if (!key.enabled) return 'disabled';
  if (key.expires_at && Date.parse(key.expires_at) <= now.getTime()) return 'expired';
  return 'active';
}

export function presentKey(key: ApiKeyRecord, now = new Date()) {
  let spendLimit = null;
  if (key.spend_limit_micros !== null && key.spend_limit_period) {
    const currentStart = periodStart(key.spend_limit_period, now).toISOString();
    const inCurrentPeriod = key.spend_period_start !== null && Date.parse(key.spend_period_start) >= Date.parse(currentStart);
    spendLimit = {
      limit_micros: key.spend_limit_micros,
      limit_usd: microsToUsd(key.spend_limit_micros),
      period: key.spend_limit_period,
      spent_micros: inCurrentPeriod ? key.spent_micros : 0,
      resets_at: periodEnd(key.spend_limit_period, now).toISOString(),
    };
  }
  const previousValid = key.previous_hash_expires_at && Date.parse(key.previous_hash_expires_at) > now.getTime();
  return {
    id: key.id,
    name: key.name,
    prefix: key.prefix,
    last_four: key.last_four,
    status: keyStatus(key, now),
    enabled: key.enabled,
    created_at: key.created_at,
    last_used_at: key.last_used_at,
    expires_at: key.expires_at,
    allowed_products: key.allowed_products,
    permissions: key.permissions,
    spend_limit: spendLimit,
    previous_secret_expires_at: previousValid ? key.previous_hash_expires_at : null,
  };
}

export function presentKeyWithSecret(key: ApiKeyRecord, secret: string, now = new Date()) {
  return { ...presentKey(key, now), secret };
}

export function presentLedgerEntry(entry: LedgerEntry) {
  return {
    id: entry.id,
    kind: entry.kind,
    amount_micros: entry.amount_micros,
    amount_usd: microsToUsd(entry.amount_micros),
    balance_after_micros: entry.balance_after_micros,
    balance_after_usd: microsToUsd(entry.balance_after_micros),
    reason: entry.reason,
    external_ref: entry.external_ref,
    created_at: entry.created_at,
  };
}

export function presentTopup(topup: Topup) {
  return {
    id: topup.id,
    method: topup.method,
    status: topup.status,
    amount_micros: topup.amount_micros,
    amount_usd: microsToUsd(topup.amount_micros),
    stars: topup.stars,
    checkout_url: topup.checkout_url,
    invoice_link: topup.invoice_link,
    created_at: topup.created_at,
    completed_at: topup.completed_at,
  };
}

export function presentUsageRow(row: UsageRow) {
  return {
    day: row.day,
    product_id: row.product_id,
    key_id: row.key_id,
    requests: row.requests,
    errors: row.errors,
    cost_micros: row.cost_micros,
    cost_usd: microsToUsd(row.cost_micros),
    avg_latency_ms: row.requests > 0 ? Math.round(row.latency_ms_total / row.requests) : 0,
  };
}
