/**
 * One place that turns stored rows into the interface's objects, field by field in the
 * interface's order, so both adapters return identical values (and identical JSON).
 */
import {
  PERMISSIONS,
  type Account,
  type AccountStatus,
  type ActivityEvent,
  type KeySnapshot,
  type FirstKeyShownIn,
  type ApiKeyRecord,
  type LedgerEntry,
  type LedgerKind,
  type NewKey,
  type OutboxEvent,
  type Permission,
  type RegisterOptions,
  type SpendLimitPeriod,
  type TelegramUser,
  type Topup,
  type TopupMethod,
  type TopupStatus,
} from './types.js';

type Row = Record<string, string | number | null | undefined>;

const text = (value: string | number | null | undefined): string | null => (value === undefined || value === null || value === '' ? null : String(value));
const integer = (value: string | number | null | undefined): number | null => (value === undefined || value === null || value === '' ? null : Number(value));

export function toAccount(row: Row): Account {
  return {
    id: String(row.id),
    telegram_id: Number(row.telegram_id),
    username: text(row.username),
    first_name: text(row.first_name),
    last_name: text(row.last_name),
    language_code: text(row.language_code),
    status: String(row.status) as AccountStatus,
    suspended_reason: text(row.suspended_reason),
    balance_micros: Number(row.balance_micros),
    low_balance_threshold_micros: integer(row.low_balance_threshold_micros),
    low_balance_notified: String(row.low_balance_notified) === '1',
    first_key_shown_in: shownIn(row.first_key_shown_in),
    created_at: String(row.created_at),
  };
}

/** Stored permissions: a JSON array in PERMISSIONS order; absent (a key older than permissions) is every one. */
export function storedPermissions(permissions: readonly Permission[]): string {
  return JSON.stringify(PERMISSIONS.filter((permission) => permissions.includes(permission)));
}

function readPermissions(value: string | null): Permission[] {
  return value === null ? [...PERMISSIONS] : (JSON.parse(value) as Permission[]);
}

export function toKey(row: Row): ApiKeyRecord {
  const allowed = text(row.allowed_products);
  return {
    id: String(row.id),
    account_id: String(row.account_id),
    name: String(row.name ?? ''),
    prefix: String(row.prefix),
    last_four: String(row.last_four),
    hash: String(row.hash),
    previous_hash: text(row.previous_hash),
    previous_hash_expires_at: text(row.previous_hash_expires_at),
    enabled: String(row.enabled) === '1',
    revoked_at: text(row.revoked_at),
    expires_at: text(row.expires_at),
    allowed_products: allowed === null ? null : (JSON.parse(allowed) as string[]),
    permissions: readPermissions(text(row.permissions)),
    spend_limit_micros: integer(row.spend_limit_micros),
    spend_limit_period: text(row.spend_limit_period) as SpendLimitPeriod | null,
    spent_micros: Number(row.spent_micros ?? 0),
    spend_period_start: text(row.spend_period_start),
    created_at: String(row.created_at),
    last_used_at: text(row.last_used_at),
  };
}

export function toEntry(accountId: string, row: Row): LedgerEntry {
  return {
    id: String(row.id),
    account_id: accountId,
    kind: String(row.kind) as LedgerKind,
    amount_micros: Number(row.amount_micros),
    balance_after_micros: Number(row.balance_after_micros),
    reason: String(row.reason),
    external_ref: text(row.external_ref),
    created_at: String(row.created_at),
  };
}

export function toTopup(row: Row): Topup {
  return {
    id: String(row.id),
    account_id: String(row.account_id),
    method: String(row.method) as TopupMethod,
    amount_micros: Number(row.amount_micros),
    stars: integer(row.stars),
    status: String(row.status) as TopupStatus,
    checkout_url: text(row.checkout_url),
    invoice_link: text(row.invoice_link),
    provider_ref: text(row.provider_ref),
    ledger_entry_id: text(row.ledger_entry_id),
    created_at: String(row.created_at),
    completed_at: text(row.completed_at),
  };
}

/** A new account's stored fields (null as null: each adapter decides how to store it). */
function shownIn(value: unknown): FirstKeyShownIn | null {
  return value === 'bot' || value === 'mini_app' ? value : null;
}

export function newAccountFields(id: string, user: TelegramUser, now: string, options: RegisterOptions): Record<string, string | number | null> {
  return {
    id,
    telegram_id: user.id,
    username: user.username ?? null,
    first_name: user.first_name ?? null,
    last_name: user.last_name ?? null,
    language_code: user.language_code ?? null,
    status: 'active',
    suspended_reason: null,
    balance_micros: 0,
    low_balance_threshold_micros: options.low_balance_threshold_micros,
    low_balance_notified: '0',
    first_key_shown_in: options.first_key_shown_in,
    created_at: now,
  };
}

/** A new key's stored fields; `*_ms` fields are the instants as epoch ms, for the scripts. */
export function newKeyFields(accountId: string, key: NewKey, now: string): Record<string, string | number | null> {
  return {
    id: key.id,
    account_id: accountId,
    name: key.name,
    prefix: key.prefix,
    last_four: key.last_four,
    hash: key.hash,
    previous_hash: null,
    previous_hash_expires_at: null,
    enabled: '1',
    revoked_at: null,
    expires_at: key.expires_at ?? null,
    allowed_products: key.allowed_products ? JSON.stringify(key.allowed_products) : null,
    permissions: storedPermissions(key.permissions ?? PERMISSIONS),
    spend_limit_micros: key.spend_limit_micros ?? null,
    spend_limit_period: key.spend_limit_period ?? null,
    spent_micros: 0,
    spend_period_start: null,
    created_at: now,
    last_used_at: null,
  };
}

export function isoToMs(iso: string | null): number | null {
  if (iso === null) return null;
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new TypeError(`Not an ISO 8601 instant: ${iso}`);
  return ms;
}

/**
 * Outbox events as both adapters store them (JSON; the Lua twin is `push_ledger_event` in
 * `redis-scripts.ts`, whose numbers are strings): a ledger entry with its sequence number
 * and, for a metered call's debit, its product.
 */
export function encodeLedgerEvent(seq: number, entry: LedgerEntry, productId: string | null): string {
  const { account_id: _accountId, ...stored } = entry;
  return JSON.stringify({ type: 'ledger', seq, product_id: productId, entry: stored });
}

export function encodeAccountCreatedEvent(accountId: string, telegramId: number, at: string): string {
  return JSON.stringify({ type: 'account_created', event_id: `account_created:${accountId}`, at, telegram_id: telegramId });
}

/**
 * The key fields a key event carries: no hash, no prefix (it is the secret's first
 * characters), only the last four. The Lua twin (`push_event_with` in redis-scripts.ts, fed
 * this list) reads the same fields from the key's hash.
 */
export const KEY_EVENT_FIELDS = [
  'id',
  'name',
  'last_four',
  'enabled',
  'revoked_at',
  'expires_at',
  'allowed_products',
  'permissions',
  'spend_limit_micros',
  'spend_limit_period',
] as const;

/** An event's key fields read as a key is (`toKey`), keeping only KEY_EVENT_FIELDS. */
function toKeySnapshot(row: Row): KeySnapshot {
  const key = toKey(row);
  return Object.fromEntries(KEY_EVENT_FIELDS.map((field) => [field, key[field]])) as KeySnapshot;
}

/** An activity event as the outbox stores it (`data` last, so that a script can complete it: `activityEventHead`). */
export type ActivityRecord = Omit<ActivityEvent, 'type'>;

export function encodeActivityEvent(event: ActivityRecord): string {
  const { data, ...head } = event;
  return JSON.stringify({ type: 'activity', ...head, data });
}

/**
 * An activity event whose last data field (`field`) only the script that writes it knows
 * (a key's stored fields after the change, a ledger entry's id): the JSON up to that
 * field's value. The script appends the value's JSON and `}}` (`push_event_with`).
 */
export function activityEventHead(event: ActivityRecord, field: string): string {
  const encoded = encodeActivityEvent({ ...event, data: { ...event.data, [field]: null } });
  return encoded.slice(0, -'null}}'.length);
}

/** The SQLite twin of `push_event_with`: the head completed with `value`. */
export function completeActivityEvent(head: string, value: unknown): string {
  return `${head}${JSON.stringify(value)}}}`;
}

/** A stored key's row (either adapter's) reduced to KEY_EVENT_FIELDS, as the Lua twin reduces its hash. */
export function keyEventFields(row: Row): Record<string, string | number> {
  const fields: Record<string, string | number> = {};
  for (const name of KEY_EVENT_FIELDS) {
    const value = row[name];
    if (value !== null && value !== undefined) fields[name] = value;
  }
  return fields;
}

export function parseOutboxEvent(accountId: string, raw: string): OutboxEvent {
  const event = JSON.parse(raw) as Row & { entry?: Row };
  if (event.type === 'activity') {
    const activity = event as unknown as ActivityEvent;
    const data = { ...activity.data };
    if (activity.category === 'key' && data.key) data.key = toKeySnapshot(data.key as Row);
    return {
      type: 'activity',
      event_id: activity.event_id,
      account_id: activity.account_id === undefined ? accountId : activity.account_id,
      at: activity.at,
      category: activity.category,
      action: activity.action,
      subject_id: activity.subject_id ?? null,
      data,
    };
  }
  if (event.type === 'ledger') {
    const entry = toEntry(accountId, event.entry!);
    return {
      type: 'ledger',
      event_id: entry.id,
      account_id: accountId,
      at: entry.created_at,
      seq: Number(event.seq),
      entry,
      product_id: text(event.product_id),
    };
  }
  return { type: 'account_created', event_id: String(event.event_id), account_id: accountId, at: String(event.at), telegram_id: Number(event.telegram_id) };
}
