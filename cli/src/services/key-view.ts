import type { ApiKey, ApiKeyWithSecret } from '@kikuai/sdk';
import { formatUsd } from './money.js';
import { renderTable } from './table.js';
import type { Paint } from './terminal.js';

export function keyHint(key: Pick<ApiKey, 'prefix' | 'last_four'>): string {
  return `${key.prefix}…${key.last_four}`;
}

function day(timestamp: string | null): string {
  return timestamp ? timestamp.slice(0, 10) : '-';
}

function spendLimit(key: ApiKey): string {
  if (!key.spend_limit) return '-';
  const { limit_micros, spent_micros, period } = key.spend_limit;
  return `${formatUsd(spent_micros)} of ${formatUsd(limit_micros)} ${period}`;
}

/** `all` for a key holding all four permissions (as keys from the bot, the Mini App and before permissions do). */
export function permissionsText(key: ApiKey, separator = ', '): string {
  if (key.permissions.length === 4) return 'all';
  return key.permissions.length === 0 ? 'none' : key.permissions.join(separator);
}

function statusText(key: ApiKey, paint: Paint): string {
  if (key.status === 'active') return paint.green(key.status);
  if (key.status === 'revoked') return paint.red(key.status);
  return paint.yellow(key.status);
}

export function renderKeyTable(keys: readonly ApiKey[], paint: Paint): string {
  if (keys.length === 0) return 'No API keys. Create one with `kikuai keys create`.';
  return renderTable(
    keys,
    [
      { header: 'ID', value: (key) => key.id },
      { header: 'NAME', value: (key) => key.name },
      { header: 'KEY', value: (key) => keyHint(key) },
      { header: 'STATUS', value: (key) => statusText(key, paint) },
      { header: 'CREATED', value: (key) => day(key.created_at) },
      { header: 'LAST USED', value: (key) => day(key.last_used_at) },
      { header: 'PRODUCTS', value: (key) => key.allowed_products?.join(',') ?? 'all' },
      { header: 'PERMISSIONS', value: (key) => permissionsText(key, ',') },
      { header: 'SPEND LIMIT', value: (key) => spendLimit(key) },
    ],
    { header: paint.bold },
  );
}

export function renderKeyDetails(key: ApiKey, paint: Paint): string {
  const rows: Array<[string, string]> = [
    ['ID', key.id],
    ['Name', key.name],
    ['Key', keyHint(key)],
    ['Status', statusText(key, paint)],
    ['Created', key.created_at],
    ['Last used', key.last_used_at ?? 'never'],
    ['Expires', key.expires_at ?? 'never'],
    ['Products', key.allowed_products?.join(', ') ?? 'all'],
    ['Permissions', key.permissions.length === 4 ? `all (${key.permissions.join(', ')})` : permissionsText(key)],
    ['Spend limit', key.spend_limit ? `${spendLimit(key)} (resets ${key.spend_limit.resets_at})` : 'none'],
  ];
  if (key.previous_secret_expires_at) rows.push(['Old secret', `accepted until ${key.previous_secret_expires_at}`]);
  return rows.map(([label, value]) => `${paint.dim(label.padEnd(12))} ${value}`).join('\n');
}

/** The secret is shown this once, on stdout (so it can be piped), with the warning on stderr. */
export function renderSecret(key: ApiKeyWithSecret, paint: Paint): string {
  return `${paint.bold('Secret')}       ${key.secret}`;
}
