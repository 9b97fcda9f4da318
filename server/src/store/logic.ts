/**
 * Rules shared by both adapters. The SQLite adapter calls these functions; the Redis
 * adapter's Lua scripts (`redis-scripts.ts`) implement the same rules line for line.
 * Change one, change the other: the contract suite runs both.
 */
import type {
  Account,
  ApiKeyRecord,
  AuthFailure,
  BalanceCrossing,
  CallState,
  LedgerChange,
  OpenCall,
  RegisterOptions,
  SpendLimitPeriod,
  UsageEvent,
  UsageRow,
} from './types.js';

const KEY_BUCKET = 'key:';
const PRODUCT_BUCKET = 'product:';

/** The rate-limit bucket of one API key (a key's windows are dropped when it is revoked). */
export function keyBucket(keyId: string): string {
  return `${KEY_BUCKET}${keyId}`;
}

/** The rate-limit bucket of an account's calls to one product. */
export function productBucket(productId: string): string {
  return `${PRODUCT_BUCKET}${productId}`;
}

/** Whose calls a bucket counts, for the caller's error message. */
export function bucketOwner(bucket: string): string {
  if (bucket.startsWith(KEY_BUCKET)) return 'this key';
  if (bucket.startsWith(PRODUCT_BUCKET)) return `this account's calls to ${bucket.slice(PRODUCT_BUCKET.length)}`;
  return 'this account';
}

/** Start (ms) of the UTC day, week (Monday) and month that contain `nowMs`. */
export function periodStarts(nowMs: number): Record<SpendLimitPeriod, number> {
  const date = new Date(nowMs);
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth();
  const day = date.getUTCDate();
  const daysSinceMonday = (date.getUTCDay() + 6) % 7;
  return {
    daily: Date.UTC(year, month, day),
    weekly: Date.UTC(year, month, day - daysSinceMonday),
    monthly: Date.UTC(year, month, 1),
  };
}

/** The ISO 8601 start of the spend-limit period `period` that contains `nowMs`. */
export function periodStartIso(period: SpendLimitPeriod, nowMs: number): string {
  return new Date(periodStarts(nowMs)[period]).toISOString();
}

/** End (ms, exclusive) of the spend-limit period `period` that contains `nowMs`: the next one's start. */
export function periodEnd(period: SpendLimitPeriod, nowMs: number): number {
  const end = new Date(periodStarts(nowMs)[period]);
  if (period === 'daily') end.setUTCDate(end.getUTCDate() + 1);
  if (period === 'weekly') end.setUTCDate(end.getUTCDate() + 7);
  if (period === 'monthly') end.setUTCMonth(end.getUTCMonth() + 1);
  return end.getTime();
}

/**
 * Whether the key's recorded spend (`spent_micros` since `spend_period_start`) is of the
 * period current at `nowMs`; always for a key without a period. Mirrored in
 * redis-scripts.ts by `released_spend` and by the reserve script's `spent` (both compare
 * `spend_period_start_ms`).
 */
export function isCurrentSpendPeriod(key: ApiKeyRecord, nowMs: number): boolean {
  return key.spend_limit_period === null || key.spend_period_start === periodStartIso(key.spend_limit_period, nowMs);
}

/** What the key has spent in the period current at `nowMs`: 0 when its recorded spend is of an earlier one. */
export function currentSpend(key: ApiKeyRecord, nowMs: number): number {
  return isCurrentSpendPeriod(key, nowMs) ? key.spent_micros : 0;
}

export type KeyStatus = 'active' | 'disabled' | 'expired' | 'revoked';

/**
 * A key's status at `nowMs`, in the order `keyRefusal` gives its refusals: revoked, then
 * disabled, then expired (at `expires_at` itself). Mirrored by `key_refusal` in redis-scripts.ts.
 */
export function keyStatus(key: ApiKeyRecord, nowMs: number): KeyStatus {
  if (key.revoked_at !== null) return 'revoked';
  if (!key.enabled) return 'disabled';
  if (key.expires_at !== null && nowMs >= Date.parse(key.expires_at)) return 'expired';
  return 'active';
}

const STATUS_REFUSALS = { revoked: 'key_revoked', disabled: 'key_disabled', expired: 'key_expired' } as const satisfies Record<
  Exclude<KeyStatus, 'active'>,
  AuthFailure
>;

/** The balance must reach this level (threshold + 10%, rounded up) before 'recovered' fires. */
export function recoveryLevel(thresholdMicros: number | null): number {
  if (thresholdMicros === null) return 0;
  return thresholdMicros + Math.ceil(thresholdMicros / 10);
}

/**
 * The low-balance state machine (`low_balance_notified` is the flag):
 * - a decrease to exactly 0 from above 0: 'exhausted' (flag set);
 * - a decrease to below the threshold while the flag is clear: 'low' (flag set);
 * - an increase to above 0 and at least `recoveryLevel` while the flag is set: 'recovered' (flag cleared).
 */
export function balanceCrossing(
  oldBalance: number,
  newBalance: number,
  thresholdMicros: number | null,
  notified: boolean,
): { crossed: BalanceCrossing | null; notified: boolean } {
  if (newBalance < oldBalance) {
    if (newBalance === 0 && oldBalance > 0) return { crossed: 'exhausted', notified: true };
    if (thresholdMicros !== null && newBalance < thresholdMicros && !notified) return { crossed: 'low', notified: true };
  } else if (newBalance > oldBalance && notified) {
    if (newBalance > 0 && newBalance >= recoveryLevel(thresholdMicros)) return { crossed: 'recovered', notified: false };
  }
  return { crossed: null, notified };
}

/**
 * Why a key may not be used now, or null. A hash that is neither the current one nor the
 * previous one within its grace period is `key_not_found`: the secret is not a key any more.
 */
export function keyRefusal(key: ApiKeyRecord | null, account: Account | null, hash: string, nowMs: number): AuthFailure | null {
  if (!key) return 'key_not_found';
  if (key.hash !== hash) {
    const graceEnds = key.previous_hash_expires_at === null ? null : Date.parse(key.previous_hash_expires_at);
    if (key.previous_hash !== hash || graceEnds === null || nowMs >= graceEnds) return 'key_not_found';
  }
  const status = keyStatus(key, nowMs);
  if (status !== 'active') return STATUS_REFUSALS[status];
  if (!account) return 'account_not_found';
  if (account.status !== 'active') return 'account_suspended';
  return null;
}

/**
 * Why a key that `keyRefusal` let through may not call this product, or null: it needs
 * `products:call`, and the product among its `allowed_products` (null: every product).
 * Mirrored by `call_refusal` in redis-scripts.ts.
 */
export function callRefusal(key: ApiKeyRecord, productId: string): 'permission_denied' | 'product_not_allowed' | null {
  if (!key.permissions.includes('products:call')) return 'permission_denied';
  if (key.allowed_products !== null && !key.allowed_products.includes(productId)) return 'product_not_allowed';
  return null;
}

/**
 * The key's `spent_micros` after a refund of `amount`, or null to leave it: only while the
 * key's spend period is still the one current at `nowMs` (a key without a period always).
 */
export function releasedSpend(key: ApiKeyRecord, amount: number, nowMs: number): number | null {
  if (!isCurrentSpendPeriod(key, nowMs)) return null;
  return Math.max(0, key.spent_micros - amount);
}

/** Fixed windows aligned to multiples of `window_ms` since the epoch. */
export function windowStart(nowMs: number, windowMs: number): number {
  return nowMs - (nowMs % windowMs);
}

/** A usage call counts as an error when it never got an upstream answer or got a 4xx/5xx. */
export function isErrorStatus(status: number | null): boolean {
  return status === null || status >= 400;
}

export const USAGE_RETENTION_DAYS = 400;
export const USAGE_EVENTS_KEPT = 1000;

/** The UTC day (YYYY-MM-DD) of an ISO 8601 instant, whatever its offset. */
export function usageDay(at: string): string {
  // The server's own instants are UTC already (toISOString): their day is their first ten characters.
  if (at.length === 24 && at.endsWith('Z')) return at.slice(0, 10);
  return new Date(at).toISOString().slice(0, 10);
}

/** A batch of usage summed per account, UTC day, product and key. */
export interface UsageSum extends UsageRow {
  account_id: string;
}

/** Sums a batch of usage events into day aggregates: one write per row, not one per call. */
export function sumUsage(events: UsageEvent[]): UsageSum[] {
  const sums = new Map<string, UsageSum>();
  for (const event of events) {
    const day = usageDay(event.at);
    const id = `${event.account_id}|${day}|${event.product_id}|${event.key_id}`;
    let sum = sums.get(id);
    if (!sum) {
      sum = {
        account_id: event.account_id,
        day,
        product_id: event.product_id,
        key_id: event.key_id,
        requests: 0,
        errors: 0,
        cost_micros: 0,
        latency_ms_total: 0,
      };
      sums.set(id, sum);
    }
    sum.requests += 1;
    sum.errors += isErrorStatus(event.upstream_status) ? 1 : 0;
    sum.cost_micros += event.cost_micros;
    sum.latency_ms_total += event.latency_ms;
  }
  return [...sums.values()];
}

/**
 * The events of a batch worth keeping raw, oldest first: the newest USAGE_EVENTS_KEPT of
 * each account. Any older one would be trimmed as soon as it was written.
 */
export function keptUsageEvents(events: UsageEvent[]): UsageEvent[] {
  const perAccount = new Map<string, number>();
  const kept: UsageEvent[] = [];
  for (let i = events.length - 1; i >= 0; i--) {
    const event = events[i]!;
    const count = perAccount.get(event.account_id) ?? 0;
    if (count >= USAGE_EVENTS_KEPT) continue;
    perAccount.set(event.account_id, count + 1);
    kept.push(event);
  }
  return kept.reverse();
}

export function assertPageLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new RangeError(`A page limit is an integer from 1 to 1000, not ${limit}`);
}

export function compareUsageRows(a: UsageRow, b: UsageRow): number {
  return a.day.localeCompare(b.day) || a.product_id.localeCompare(b.product_id) || a.key_id.localeCompare(b.key_id);
}

/** Every day from `fromDay` to `toDay` inclusive (YYYY-MM-DD, UTC). At most 800 days. */
export function daysBetween(fromDay: string, toDay: string): string[] {
  const days: string[] = [];
  const end = Date.parse(`${toDay}T00:00:00Z`);
  for (let t = Date.parse(`${fromDay}T00:00:00Z`); t <= end && days.length < 800; t += 86_400_000) {
    days.push(new Date(t).toISOString().slice(0, 10));
  }
  return days;
}

export class InvalidCursorError extends Error {
  readonly code = 'invalid_cursor';
  constructor() {
    super('The pagination cursor is not valid.');
  }
}

/** Ledger cursors wrap the per-account sequence number of the last entry returned. */
export function encodeLedgerCursor(sequence: number): string {
  return Buffer.from(`l1:${sequence}`).toString('base64url');
}

export function decodeLedgerCursor(cursor: string): number {
  const match = /^l1:(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw new InvalidCursorError();
  return Number(match[1]);
}

/** The top-up statuses a payment may still complete (mirrored by COMPLETE_TOPUP in redis-scripts.ts). */
export const COMPLETABLE_TOPUP_STATUSES: ReadonlySet<string> = new Set(['pending', 'failed', 'expired']);

/**
 * A top-up's credit is an integer from 1 to MAX_CHANGE_MICROS (else InvalidAmountError,
 * as every other change: before anything is read or written, whatever the top-up's
 * status) with a reference; anything else is a bug of the caller.
 */
export function assertTopupCredit(request: { topup_id: string; credit: { amount_micros: number; external_ref: string } }): void {
  const { amount_micros: amount, external_ref: ref } = request.credit;
  checkedMicros(`completeTopup ${request.topup_id}: amount_micros`, amount, 1, MAX_CHANGE_MICROS);
  if (!ref) throw new RangeError(`completeTopup ${request.topup_id}: the credit needs an external_ref`);
}

// Amounts ---------------------------------------------------------------------------
/**
 * The largest amount of one change of money: a ledger change (either sign), a price, a
 * top-up, a spend limit. 10^12 micro-USD = $1,000,000.
 */
export const MAX_CHANGE_MICROS = 1_000_000_000_000;
/** The default balance ceiling (`KIKUAI_MAX_BALANCE_MICROS`): $1,000,000. */
export const DEFAULT_MAX_BALANCE_MICROS = 1_000_000_000_000;
/**
 * The bound of every stored micro-USD value and of the ceiling an operator may set: the
 * spec's `Micros` maximum, 10^15 ($1,000,000,000). A balance at it plus a change at
 * MAX_CHANGE_MICROS stays far inside 2^53, where JavaScript numbers and Lua's doubles hold
 * integers exactly.
 */
export const MICROS_LIMIT = 1_000_000_000_000_000;
/** The latest instant a Date can hold (ms): the bound of every time argument. */
export const MAX_TIME_MS = 8_640_000_000_000_000;

/** An amount a store refuses to write: not an integer, or outside its documented bounds. Nothing was written. */
export class InvalidAmountError extends RangeError {
  readonly code = 'invalid_amount';
}

/** `value` when it is an integer within [minimum, maximum]; else InvalidAmountError. Mirrored by `int_in` in the Lua scripts. */
export function checkedMicros(name: string, value: number, minimum: number, maximum: number): number {
  if (!Number.isSafeInteger(value) || value < minimum || value > maximum) {
    throw new InvalidAmountError(`${name} must be an integer from ${minimum} to ${maximum} micro-USD, not ${value}`);
  }
  return value;
}

/** The amount of a ledger change: a non-zero integer of at most MAX_CHANGE_MICROS either way. */
export function checkedChange(amount: number): number {
  checkedMicros('amount_micros', amount, -MAX_CHANGE_MICROS, MAX_CHANGE_MICROS);
  if (amount === 0) throw new InvalidAmountError('amount_micros must not be 0');
  return amount;
}

/** A store's balance ceiling option: an integer from 1 to MICROS_LIMIT (default DEFAULT_MAX_BALANCE_MICROS). */
export function checkedBalanceCeiling(ceiling: number | undefined): number {
  return checkedMicros('the balance ceiling', ceiling ?? DEFAULT_MAX_BALANCE_MICROS, 1, MICROS_LIMIT);
}

/** A key's spend limit: 1 to MAX_CHANGE_MICROS, or absent. */
export function checkedKeyAmounts(key: { spend_limit_micros?: number | null }): void {
  if (key.spend_limit_micros !== undefined && key.spend_limit_micros !== null)
    checkedMicros('spend_limit_micros', key.spend_limit_micros, 1, MAX_CHANGE_MICROS);
}

/** A new account's amounts: the signup credit 0 to MAX_CHANGE_MICROS, the threshold 0 to MICROS_LIMIT or null. */
export function checkedRegisterOptions(options: RegisterOptions): void {
  checkedMicros('signup_credit_micros', options.signup_credit_micros, 0, MAX_CHANGE_MICROS);
  if (options.low_balance_threshold_micros !== null) checkedMicros('low_balance_threshold_micros', options.low_balance_threshold_micros, 0, MICROS_LIMIT);
}

/**
 * The signup credit of a new account, or null when the operator gives none. Its external
 * reference names the Telegram user, so that the credit exists at most once per user.
 */
export function signupCreditChange(accountId: string, telegramId: number, options: RegisterOptions): LedgerChange | null {
  if (options.signup_credit_micros === 0) return null;
  return {
    account_id: accountId,
    kind: 'signup_credit',
    amount_micros: options.signup_credit_micros,
    reason: 'Signup credit',
    external_ref: `signup:${telegramId}`,
  };
}

/** A top-up's amount (1 to MAX_CHANGE_MICROS) and number of Stars (an integer of the same bounds), where given. */
export function checkedTopupAmounts(topup: { amount_micros?: number; stars?: number | null }): void {
  if (topup.amount_micros !== undefined) checkedMicros('amount_micros', topup.amount_micros, 1, MAX_CHANGE_MICROS);
  if (topup.stars !== undefined && topup.stars !== null) checkedMicros('stars', topup.stars, 1, MAX_CHANGE_MICROS);
}

/** The refund's external reference of a call reserved under `call:<callId>`: `refund:<callId>`. */
export function callRefundRef(ref: string): string {
  return ref.startsWith('call:') ? `refund:${ref.slice(5)}` : `refund:${ref}`;
}

/** A refunded call's usage: counted, an error, nothing charged. */
export function refundedUsage(usage: UsageEvent): UsageEvent {
  return { ...usage, cost_micros: 0 };
}

/**
 * The usage event of a call the reconciler settles (what the dead instance would have
 * recorded, but for the latency, which nobody measured).
 */
export function reconciledUsage(call: OpenCall, costMicros: number): UsageEvent {
  return {
    account_id: call.account_id,
    key_id: call.key_id,
    product_id: call.product_id,
    endpoint: call.endpoint,
    cost_micros: costMicros,
    upstream_status: call.state === 'answered' ? call.upstream_status : null,
    latency_ms: 0,
    at: new Date(call.reserved_ms).toISOString(),
  };
}

const CALL_STATE_LETTERS: Record<CallState, string> = { reserved: 'R', forwarded: 'F', answered: 'A' };
const CALL_STATES_BY_LETTER: Record<string, CallState> = { R: 'reserved', F: 'forwarded', A: 'answered' };

/**
 * The compact value of an open call on Redis (`{acc}:calls` hash, field = the call's ref):
 * `<state letter>[<upstream status>]|<reserved ms>|<price>|<key id>|<product>|<endpoint>`.
 * The scripts only ever rewrite the first segment (the state) or delete the field.
 */
export function encodeCallRecord(call: Omit<OpenCall, 'account_id' | 'ref'>): string {
  return `${callStateSegment(call.state, call.upstream_status)}|${call.reserved_ms}|${call.price_micros}|${call.key_id}|${call.product_id}|${call.endpoint}`;
}

export function callStateSegment(state: CallState, upstreamStatus: number | null | undefined): string {
  return state === 'answered' && upstreamStatus != null ? `A${upstreamStatus}` : CALL_STATE_LETTERS[state];
}

/** The state of a state segment ('R', 'F', 'A200'…). */
export function callStateOf(segment: string): CallState | null {
  return CALL_STATES_BY_LETTER[segment.charAt(0)] ?? null;
}

export function decodeCallRecord(accountId: string, ref: string, value: string): OpenCall | null {
  const [head = '', reservedMs, price, keyId, productId, endpoint] = value.split('|');
  const state = CALL_STATES_BY_LETTER[head.charAt(0)];
  if (!state || keyId === undefined || productId === undefined || endpoint === undefined) return null;
  return {
    account_id: accountId,
    ref,
    state,
    upstream_status: head.length > 1 ? Number(head.slice(1)) : null,
    reserved_ms: Number(reservedMs),
    price_micros: Number(price),
    key_id: keyId,
    product_id: productId,
    endpoint,
  };
}
