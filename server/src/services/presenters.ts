/** Store records → the API's shapes (openapi.yaml's schemas, typed from the contract). */
import type { components } from '@kikuai/sdk/contract';
import { currentSpend, keyStatus, periodEnd } from '../store/logic.js';
import type { Account, ApiKeyRecord, DailyHistoryItem, LedgerEntry, Topup, UsageRow } from '../store/types.js';
import { microsToUsd } from './money.js';

type Schemas = components['schemas'];

export function presentAccount(account: Account): Schemas['Account'] {
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
    first_key_shown_in: account.first_key_shown_in,
    created_at: account.created_at,
  };
}

export function presentKey(key: ApiKeyRecord, now = new Date()): Schemas['ApiKey'] {
  const nowMs = now.getTime();
  let spendLimit: Schemas['SpendLimit'] | null = null;
  if (key.spend_limit_micros !== null && key.spend_limit_period) {
    spendLimit = {
      limit_micros: key.spend_limit_micros,
      limit_usd: microsToUsd(key.spend_limit_micros),
      period: key.spend_limit_period,
      spent_micros: currentSpend(key, nowMs),
      resets_at: new Date(periodEnd(key.spend_limit_period, nowMs)).toISOString(),
    };
  }
  const previousValid = key.previous_hash_expires_at && Date.parse(key.previous_hash_expires_at) > now.getTime();
  return {
    id: key.id,
    name: key.name,
    prefix: key.prefix,
    last_four: key.last_four,
    status: keyStatus(key, nowMs),
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

export function presentKeyWithSecret(key: ApiKeyRecord, secret: string, now = new Date()): Schemas['ApiKeyWithSecret'] {
  return { ...presentKey(key, now), secret };
}

export function presentLedgerEntry(entry: LedgerEntry): Schemas['LedgerEntry'] {
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

export function presentHistoryItem(item: DailyHistoryItem): Schemas['DailyHistoryItem'] {
  if (item.type === 'entry') return { type: 'entry', entry: presentLedgerEntry(item.entry) };
  return { ...item, amount_usd: microsToUsd(item.amount_micros) };
}

export function presentTopup(topup: Topup): Schemas['Topup'] {
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

export function presentUsageRow(row: UsageRow): Schemas['UsageRow'] {
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
