/**
 * The plain in-memory model of the store that the property suite runs against
 * (`../store-model.test.ts`). It is written from the rules in `server/src/store/README.md`,
 * not from the adapters' code, and keeps only what the rules need: balances, the ledger,
 * keys with their limits and spend, rate windows, top-ups.
 *
 * Plain data only (no classes, no Maps), so that `structuredClone` copies it: a group of
 * concurrent operations is checked against every serial order, each on its own copy.
 */
import { MAX_CHANGE_MICROS } from '../../../src/store/logic.js';
import {
  PERMISSIONS,
  type AccountStatus,
  type BalanceCrossing,
  type LedgerKind,
  type Permission,
  type SpendLimitPeriod,
  type TopupMethod,
  type TopupStatus,
} from '../../../src/store/types.js';

export const PRODUCTS = ['reliapi', 'routellm', 'echo'] as const;
export type ProductId = (typeof PRODUCTS)[number];

/** Small limits, so that sequences of a dozen steps reach them; windows of one minute of model time. */
export const RATE_WINDOW_MS = 60_000;
export const KEY_RATE_LIMIT = 4;
export const ACCOUNT_RATE_LIMIT = 7;
export const PRODUCT_RATE_LIMIT = 5;
export const MAX_KEYS = 4;
export const MICROS_PER_STAR = 13_000;
/**
 * The balance ceiling the suite opens its stores with (`maxBalanceMicros`): small, so that
 * credits pass it often. An increase past it is refused with nothing changed; a decrease
 * always goes through.
 */
export const MAX_BALANCE = 50_000;

/** An amount the store refuses before writing anything (InvalidAmountError): not an integer, or outside [minimum, maximum]. */
export const outOfBounds = (amount: number, minimum: number, maximum: number = MAX_CHANGE_MICROS): boolean =>
  !Number.isSafeInteger(amount) || amount < minimum || amount > maximum;

/** Permissions as the store keeps them: in the order of PERMISSIONS, each once. */
export const normalPermissions = (permissions: readonly Permission[]): Permission[] => PERMISSIONS.filter((permission) => permissions.includes(permission));

export interface ModelKey {
  id: string;
  hash: string;
  /** Valid until `previousHashExpiresMs` (a rotation with a grace period). */
  previousHash: string | null;
  previousHashExpiresMs: number | null;
  /** Every hash this key had before its current one: never valid again once out of grace. */
  retiredHashes: string[];
  enabled: boolean;
  revoked: boolean;
  expiresMs: number | null;
  allowedProducts: string[] | null;
  /** In the order of PERMISSIONS; a reserve needs `products:call`. */
  permissions: Permission[];
  spendLimit: number | null;
  period: SpendLimitPeriod | null;
  /** As stored: the spend of the period starting at `spendPeriodStart` (a later period starts from 0). */
  spent: number;
  spendPeriodStart: string | null;
  /** The effective spend when the limit was last set: a lowered limit may sit below it. */
  spentWhenLimited: number;
}

export interface ModelEntry {
  kind: LedgerKind;
  amount: number;
  ref: string | null;
}

/** Where a reserved call stands: open (`reserved`, `forwarded`, `answered`, as the store keeps it), or closed once — `kept` or `refunded`. */
export type ModelCallState = 'reserved' | 'forwarded' | 'answered' | 'kept' | 'refunded';

/** The usage event a call's close wrote (the suite puts the call id in `endpoint`, so each event names its call). */
export interface ModelUsage {
  cost: number;
  status: number | null;
  latency: number;
  /** Who closed the call: an instance (its batch or its refund) or the reconciler. */
  by: 'instance' | 'reconciler';
}

export interface ModelCall {
  callId: string;
  keyId: string;
  product: string;
  price: number;
  reservedMs: number;
  state: ModelCallState;
  /** The upstream's status once `answered`. */
  status: number | null;
  /** The open state it was closed from (the reconciler's rule is read from it). */
  closedFrom: 'reserved' | 'forwarded' | 'answered' | null;
  usage: ModelUsage | null;
}

export const isOpen = (call: ModelCall): boolean => call.state === 'reserved' || call.state === 'forwarded' || call.state === 'answered';

/**
 * The reconciler's threshold in the suite (`settleAfterMs`: the longest product timeout plus
 * the grace): calls reserved longer ago than this are settled by the rule.
 */
export const SETTLE_AFTER_MS = 5 * 60_000;

/**
 * What an instance holds in memory between the reserve and its off-path batch
 * (`CallRecorder`): state changes and settlements not yet written. A crash drops them.
 */
export type Buffered =
  | { kind: 'transition'; accountId: string; callId: string; state: 'forwarded' | 'answered'; status: number | null }
  | { kind: 'settle'; accountId: string; callId: string; status: number | null };

export interface ModelTopup {
  id: string;
  method: TopupMethod;
  amount: number;
  status: TopupStatus;
  providerRef: string | null;
  /** The reference of the ledger entry its completion points to (`ledger_entry_id`), once completed by `completeTopup`. */
  entryRef: string | null;
}

export interface ModelAccount {
  id: string;
  telegramId: number;
  status: AccountStatus;
  balance: number;
  lowBalanceThreshold: number | null;
  /** Told of a low or exhausted balance, not yet recovered. */
  lowBalanceNotified: boolean;
  /** In the order the model applied them (concurrent groups may commit in another order). */
  ledger: ModelEntry[];
  /** Every key ever created, revoked ones included, oldest first. */
  keys: ModelKey[];
  /** Rate windows by bucket name. */
  windows: Record<string, { start: number; used: number }>;
  /** Every call reserved (debited), open or closed, oldest first. */
  calls: ModelCall[];
  /** A call's refund took the balance past the ceiling (refunds of calls are not held to it). */
  pastCeiling: boolean;
  topups: ModelTopup[];
}

export interface Model {
  nowMs: number;
  /** This run's Telegram ids are `telegramBase + user` for user 0..3: a fresh namespace per run. */
  telegramBase: number;
  accounts: ModelAccount[];
  /** Call ids, event scopes and update namespaces start with it: a fresh namespace per run. */
  runToken: string;
  /** Webhook events by id (`claimIdempotent` under the scope `model:<runToken>`): claimed and running, or done. */
  events: Record<string, 'pending' | 'done'>;
  /** Telegram update ids seen (`markSeen` under the namespace `model:<runToken>`). */
  seen: string[];
  /** Stars charges by id (`claimStarsCharge`, global across accounts): the account that owns it, the first to claim. */
  charges: Record<string, { accountId: string; topupId: string }>;
  /** What each instance (store object 0 and 1) holds in memory for its next batch. */
  buffers: [Buffered[], Buffered[]];
  /** Calls reserved before this were all closed by the last reconcile (0: none yet). */
  reconciledBeforeMs: number;
}

export function newModel(nowMs: number, telegramBase: number, runToken: string): Model {
  return { nowMs, telegramBase, accounts: [], runToken, events: {}, seen: [], charges: {}, buffers: [[], []], reconciledBeforeMs: 0 };
}

export const cloneModel = (model: Model): Model => structuredClone(model);

export function accountById(model: Model, accountId: string): ModelAccount {
  const account = model.accounts.find((candidate) => candidate.id === accountId);
  if (!account) throw new Error(`model: no account ${accountId}`);
  return account;
}

export function keyById(account: ModelAccount, keyId: string): ModelKey {
  const key = account.keys.find((candidate) => candidate.id === keyId);
  if (!key) throw new Error(`model: no key ${keyId} in ${account.id}`);
  return key;
}

export function newModelKey(
  id: string,
  hash: string,
  options: Partial<Pick<ModelKey, 'allowedProducts' | 'permissions' | 'spendLimit' | 'period' | 'expiresMs'>> = {},
): ModelKey {
  return {
    id,
    hash,
    previousHash: null,
    previousHashExpiresMs: null,
    retiredHashes: [],
    enabled: true,
    revoked: false,
    expiresMs: options.expiresMs ?? null,
    allowedProducts: options.allowedProducts ?? null,
    permissions: normalPermissions(options.permissions ?? PERMISSIONS),
    spendLimit: options.spendLimit ?? null,
    period: options.period ?? null,
    spent: 0,
    spendPeriodStart: null,
    spentWhenLimited: 0,
  };
}

/** Start of the UTC day, the week (from Monday) or the month that holds `nowMs`, as ISO 8601. */
export function periodStart(period: SpendLimitPeriod, nowMs: number): string {
  const date = new Date(nowMs);
  const [year, month, day] = [date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()];
  const start =
    period === 'daily'
      ? Date.UTC(year, month, day)
      : period === 'weekly'
        ? Date.UTC(year, month, day - ((date.getUTCDay() + 6) % 7))
        : Date.UTC(year, month, 1);
  return new Date(start).toISOString();
}

/** What the key has spent in the period current at `nowMs`. */
export function effectiveSpent(key: ModelKey, nowMs: number): number {
  if (key.period !== null && key.spendPeriodStart !== periodStart(key.period, nowMs)) return 0;
  return key.spent;
}

export type KeyRefusal = 'key_not_found' | 'key_revoked' | 'key_disabled' | 'key_expired' | 'account_suspended';

/** Why this key may not be used with this hash now, or null (the order of the store README). */
export function keyRefusal(account: ModelAccount, key: ModelKey, hash: string, nowMs: number): KeyRefusal | null {
  const inGrace = key.previousHash === hash && key.previousHashExpiresMs !== null && nowMs < key.previousHashExpiresMs;
  if (key.hash !== hash && !inGrace) return 'key_not_found';
  if (key.revoked) return 'key_revoked';
  if (!key.enabled) return 'key_disabled';
  if (key.expiresMs !== null && nowMs >= key.expiresMs) return 'key_expired';
  if (account.status !== 'active') return 'account_suspended';
  return null;
}

/** The buckets a keyed request counts in (as the server builds them), plus the product's on a reserve. */
export function rateRules(keyId: string, product?: string): Array<{ bucket: string; limit: number; window_ms: number }> {
  const rules = [
    { bucket: `key:${keyId}`, limit: KEY_RATE_LIMIT, window_ms: RATE_WINDOW_MS },
    { bucket: 'account', limit: ACCOUNT_RATE_LIMIT, window_ms: RATE_WINDOW_MS },
  ];
  if (product) rules.push({ bucket: `product:${product}`, limit: PRODUCT_RATE_LIMIT, window_ms: RATE_WINDOW_MS });
  return rules;
}

/** Fixed windows: is any bucket full? `commit` counts the request in every bucket. */
export function rateCheck(account: ModelAccount, rules: ReturnType<typeof rateRules>, nowMs: number): { limited: boolean; commit: () => void } {
  const windows = rules.map((rule) => {
    const start = nowMs - (nowMs % rule.window_ms);
    const stored = account.windows[rule.bucket];
    return { rule, start, used: stored && stored.start === start ? stored.used : 0 };
  });
  return {
    limited: windows.some((window) => window.used + 1 > window.rule.limit),
    commit: () => {
      for (const window of windows) account.windows[window.rule.bucket] = { start: window.start, used: window.used + 1 };
    },
  };
}

export function hasRef(account: ModelAccount, ref: string | null | undefined): boolean {
  return !!ref && account.ledger.some((entry) => entry.ref === ref);
}

/**
 * The low-balance notices (store README, "Low balance"): down to exactly 0 → `exhausted`;
 * down below the threshold while not yet told → `low`; up to above 0 and at least the
 * threshold plus a tenth (rounded up) while told → `recovered`. Moves the flag.
 */
function crossing(account: ModelAccount, before: number, after: number): BalanceCrossing | null {
  const threshold = account.lowBalanceThreshold;
  let crossed: BalanceCrossing | null = null;
  if (after < before) {
    if (after === 0 && before > 0) crossed = 'exhausted';
    else if (threshold !== null && after < threshold && !account.lowBalanceNotified) crossed = 'low';
  } else if (after > before && account.lowBalanceNotified) {
    const recovery = threshold === null ? 0 : threshold + Math.ceil(threshold / 10);
    if (after > 0 && after >= recovery) crossed = 'recovered';
  }
  if (crossed) account.lowBalanceNotified = crossed !== 'recovered';
  return crossed;
}

/** A change of the balance through the ledger (the caller has checked the reference and the funds); the crossing it makes, if any. */
export function appendEntry(account: ModelAccount, kind: LedgerKind, amount: number, ref: string | null): BalanceCrossing | null {
  const before = account.balance;
  account.balance += amount;
  account.ledger.push({ kind, amount, ref });
  return crossing(account, before, account.balance);
}

/** A result word with the crossing it made: `applied`, `applied+low`, `ok+exhausted`… */
export const withCrossing = (word: string, crossed: BalanceCrossing | null | undefined): string => (crossed ? `${word}+${crossed}` : word);

/**
 * `applyLedger`: an amount out of bounds (0, not an integer, past MAX_CHANGE_MICROS either
 * way) is refused before anything (`invalid_amount`); a known reference changes nothing
 * (`duplicate`), whatever its amount; a debit past the balance is refused, or clamped to
 * the balance with the account suspended; an increase past MAX_BALANCE is refused
 * (`balance_limit_exceeded`). Applied: `applied`, with the crossing it made (`applied+exhausted`).
 */
export function applyLedger(
  account: ModelAccount,
  change: { kind: LedgerKind; amount: number; ref: string | null; clamp?: boolean; refundKeyId?: string; nowMs: number },
): string {
  if (outOfBounds(Math.abs(change.amount), 1)) return 'invalid_amount';
  if (hasRef(account, change.ref)) return 'duplicate';
  let amount = change.amount;
  const suspends = account.balance + amount < 0;
  if (suspends) {
    if (!change.clamp) return 'insufficient_funds';
    amount = -account.balance;
  }
  if (amount > 0 && account.balance + amount > MAX_BALANCE) return 'balance_limit_exceeded';
  if (suspends) account.status = 'suspended';
  if (change.refundKeyId && change.kind === 'refund' && amount > 0) {
    const key = keyById(account, change.refundKeyId);
    if (key.period === null || key.spendPeriodStart === periodStart(key.period, change.nowMs)) key.spent = Math.max(0, key.spent - amount);
  }
  return withCrossing('applied', appendEntry(account, change.kind, amount, change.ref));
}

export function callById(account: ModelAccount, callId: string): ModelCall {
  const call = account.calls.find((candidate) => candidate.callId === callId);
  if (!call) throw new Error(`model: no call ${callId} in ${account.id}`);
  return call;
}

/** A call's charge is kept: its usage (cost = price) written, its reservation closed. Nothing when it is closed already. */
export function keepCall(call: ModelCall, usage: Omit<ModelUsage, 'cost'>): boolean {
  if (!isOpen(call)) return false;
  call.closedFrom = call.state as ModelCall['closedFrom'];
  call.state = 'kept';
  call.usage = { ...usage, cost: call.price };
  return true;
}

/**
 * `refundCall`: the refund entry `refund:<callId>` (not held to the ceiling), the key's
 * spend given back when its period is still the current one, usage with cost 0 and the
 * close of the reservation; nothing when it is closed already. The crossing, or null.
 */
export function refundOpenCall(account: ModelAccount, call: ModelCall, nowMs: number, usage: Omit<ModelUsage, 'cost'>): BalanceCrossing | null {
  const key = keyById(account, call.keyId);
  if (key.period === null || key.spendPeriodStart === periodStart(key.period, nowMs)) key.spent = Math.max(0, key.spent - call.price);
  call.closedFrom = call.state as ModelCall['closedFrom'];
  call.state = 'refunded';
  call.usage = { ...usage, cost: 0 };
  const crossed = appendEntry(account, 'refund', call.price, `refund:${call.callId}`);
  if (account.balance > MAX_BALANCE) account.pastCeiling = true;
  return crossed;
}
