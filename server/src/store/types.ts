/**
 * The store: everything the server keeps. Two adapters implement it (Redis through
 * ioredis, SQLite through better-sqlite3) and pass one contract suite
 * (`server/test/store/store-contract.test.ts`). Money is always integer micro-USD (`number`),
 * bounded (`logic.ts`): one change at most MAX_CHANGE_MICROS ($1,000,000) either way, a
 * balance at most the store's ceiling (`maxBalanceMicros`, default $1,000,000), every
 * stored value at most MICROS_LIMIT (10^15) — far inside 2^53. A store refuses an amount
 * outside its bounds with InvalidAmountError, before writing anything.
 *
 * Every operation that changes more than one record is atomic: a Lua script on
 * Redis (all keys of one account under the hash tag `{<accountId>}`), a
 * transaction on SQLite.
 */

export type AccountStatus = 'active' | 'suspended';

export interface TelegramUser {
  id: number;
  username?: string | null;
  first_name?: string | null;
  last_name?: string | null;
  language_code?: string | null;
}

export interface Account {
  id: string; // acc_…
  telegram_id: number;
  username: string | null;
  first_name: string | null;
  last_name: string | null;
  language_code: string | null;
  status: AccountStatus;
  suspended_reason: string | null;
  balance_micros: number;
  /** Below this balance the user is told once (with hysteresis); null: no warning. */
  low_balance_threshold_micros: number | null;
  /** True while the balance sits below the threshold and the user was told. */
  low_balance_notified: boolean;
  /** Who showed the first key's secret (the secret itself is never stored); null for accounts older than this field. */
  first_key_shown_in: FirstKeyShownIn | null;
  created_at: string; // ISO 8601
}

/** Where a new account's first key secret was shown: the bot's /start or the Mini App. */
export type FirstKeyShownIn = 'bot' | 'mini_app';

export type SpendLimitPeriod = 'daily' | 'weekly' | 'monthly';

/**
 * What an API key may do (server/README.md, "Key permissions"). A key stored without
 * the field (every key made before permissions existed) reads as holding all of them.
 */
export const PERMISSIONS = ['products:call', 'billing:read', 'billing:write', 'keys:manage'] as const;
export type Permission = (typeof PERMISSIONS)[number];

export interface ApiKeyRecord {
  id: string; // key_…
  account_id: string;
  name: string;
  /** Display prefix, e.g. `kik_AbCd`. */
  prefix: string;
  last_four: string;
  /** SHA-256 (hex) of the current secret. */
  hash: string;
  /** SHA-256 of the secret before the last rotation, valid until `previous_hash_expires_at`. */
  previous_hash: string | null;
  previous_hash_expires_at: string | null;
  enabled: boolean;
  revoked_at: string | null;
  expires_at: string | null;
  /** null: every product. */
  allowed_products: string[] | null;
  /** In the order of PERMISSIONS. */
  permissions: Permission[];
  spend_limit_micros: number | null;
  spend_limit_period: SpendLimitPeriod | null;
  /** Spent within the current period (the period is derived from `spend_period_start`). */
  spent_micros: number;
  spend_period_start: string | null;
  created_at: string;
  last_used_at: string | null;
}

/** `signup_credit`: the operator's free credit, written once by `register` (external_ref `signup:<telegram id>`). */
export type LedgerKind = 'credit' | 'debit' | 'refund' | 'adjustment' | 'signup_credit';

export interface LedgerEntry {
  id: string; // led_… ; ids sort by time (ULID-like), newest last
  account_id: string;
  kind: LedgerKind;
  /** Signed: positive adds to the balance, negative takes from it. */
  amount_micros: number;
  balance_after_micros: number;
  reason: string;
  /** Provider or caller reference (Paddle txn id, Telegram charge id, call id…); unique per account when set. */
  external_ref: string | null;
  created_at: string;
}

export interface LedgerChange {
  account_id: string;
  kind: LedgerKind;
  amount_micros: number; // signed, never 0
  reason: string;
  external_ref?: string | null;
  /**
   * What to do when a negative change exceeds the balance:
   * - 'reject' (default): nothing is written, result `insufficient_funds`;
   * - 'clamp_and_suspend': take what there is, suspend the account, record the shortfall.
   */
  on_insufficient?: 'reject' | 'clamp_and_suspend';
  /**
   * The key a `refund` gives back to: its `spent_micros` drops by the amount (not below 0)
   * when the key's spend period is still the current one at `now`, so a failed call does not
   * count against the key's spend limit. Ignored for other kinds.
   */
  key_id?: string | null;
}

export type LedgerResult =
  /** `shortfall_micros`: present (and > 0) only when 'clamp_and_suspend' took less than asked. */
  | { ok: true; applied: true; entry: LedgerEntry; balance_micros: number; crossed: BalanceCrossing | null; shortfall_micros?: number }
  /** The external reference was applied before: nothing changed; the first entry is returned. */
  | { ok: true; applied: false; entry: LedgerEntry; balance_micros: number; crossed: null }
  | { ok: false; reason: 'insufficient_funds'; balance_micros: number }
  /** An increase that would take the balance past the store's ceiling (`limit_micros`): nothing changed. */
  | { ok: false; reason: 'balance_limit_exceeded'; balance_micros: number; limit_micros: number }
  | { ok: false; reason: 'account_not_found' };

/** A balance crossing that the notifications of the payments issue act on, once per crossing. */
export type BalanceCrossing = 'low' | 'exhausted' | 'recovered';

export interface UsageEvent {
  account_id: string;
  key_id: string;
  product_id: string;
  endpoint: string;
  cost_micros: number;
  upstream_status: number | null;
  latency_ms: number;
  at: string; // ISO 8601
}

export interface UsageRow {
  day: string; // YYYY-MM-DD (UTC)
  product_id: string;
  key_id: string;
  requests: number;
  errors: number;
  cost_micros: number;
  latency_ms_total: number;
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

/** `filterLedger`'s query: a page of the entries that match every filter given (`history.ts`). */
export interface LedgerFilter {
  limit: number;
  cursor?: string | null;
  kind?: LedgerKind;
  /** UTC day, YYYY-MM-DD. */
  day?: string;
  /** The per-call charges and refunds of this product. */
  product_id?: string;
}

/** The per-call charges of one product on one UTC day, within one page of `listDailyHistory`. */
export interface ChargesGroup {
  type: 'charges';
  day: string;
  product_id: string;
  calls: number;
  /** Signed (negative): the sum of the calls' debits. */
  amount_micros: number;
  first_at: string;
  last_at: string;
  /** The ledger cursor that starts at the group's newest call (for `filterLedger`). */
  calls_cursor: string;
}

export type DailyHistoryItem = ChargesGroup | { type: 'entry'; entry: LedgerEntry };

export interface RateLimitRule {
  /** A name unique within the account, e.g. `key:<keyId>` or `account`. */
  bucket: string;
  limit: number;
  window_ms: number;
}

export interface RateLimitState {
  bucket: string;
  limit: number;
  remaining: number;
  reset_ms: number; // ms until the window resets
}

export type AuthFailure = 'key_not_found' | 'key_revoked' | 'key_disabled' | 'key_expired' | 'account_suspended' | 'account_not_found';

/** One round trip: authenticate a key, count it against the rate limits, return what the handler needs. */
export interface AuthorizeRequest {
  account_id: string;
  key_id: string;
  hash: string;
  now_ms: number;
  rate_limits: RateLimitRule[];
}

export type AuthorizeResult =
  | { ok: true; account: Account; key: ApiKeyRecord; rate_limits: RateLimitState[] }
  | { ok: false; reason: AuthFailure }
  | { ok: false; reason: 'rate_limited'; rate_limit: RateLimitState; rate_limits: RateLimitState[] };

/** Callers without a key (the bot for a user, the Mini App): the account's rate limits in one round trip. */
export interface LimitAccountRequest {
  account_id: string;
  now_ms: number;
  rate_limits: RateLimitRule[];
}

export type LimitAccountResult =
  | { ok: true; account: Account; rate_limits: RateLimitState[] }
  | { ok: false; reason: 'account_not_found' }
  | { ok: false; reason: 'rate_limited'; rate_limit: RateLimitState; rate_limits: RateLimitState[] };

/** The proxy's one round trip: everything of AuthorizeRequest plus the reservation of the price. */
export interface ReserveRequest extends AuthorizeRequest {
  product_id: string;
  price_micros: number;
  /** Reference of this call, e.g. `call:<requestId>`; the refund uses `refund:<requestId>`. */
  external_ref: string;
  reason: string;
  /** The product's endpoint, kept with the reservation so that a reconciler can write its usage. */
  endpoint?: string;
}

/**
 * A proxied call's reservation, kept by the store from the atomic reserve until the call is
 * settled (charge kept, usage written) or refunded — each exactly once, whoever does it.
 * - `reserved`: the price is debited; nothing was sent upstream yet (as far as the store knows);
 * - `forwarded`: the request went to the upstream; no answer is known to have reached the customer;
 * - `answered`: kikuai began sending the upstream's (non-5xx, non-3xx) answer to the customer.
 * A reconciler settles those left open by a crash: `answered` keeps the charge, the others are refunded.
 */
export type CallState = 'reserved' | 'forwarded' | 'answered';

export interface OpenCall {
  account_id: string;
  /** The reserve's external_ref (`call:<callId>`). */
  ref: string;
  state: CallState;
  /** The upstream's status once `answered`. */
  upstream_status: number | null;
  reserved_ms: number;
  price_micros: number;
  key_id: string;
  product_id: string;
  endpoint: string;
}

/** A state change of an open call; ignored when the call is settled already. */
export interface CallTransition {
  account_id: string;
  ref: string;
  state: 'forwarded' | 'answered';
  upstream_status?: number | null;
}

/** A call whose charge is kept: its usage is written and its reservation closed in one atomic change (nothing when already settled). */
export interface CallSettlement {
  ref: string;
  usage: UsageEvent;
}

/** Gives a call's price back: the refund entry (`refund:<callId>`), its usage and the close of its reservation, in one atomic change. */
export interface CallRefund {
  ref: string;
  reason: string;
  /** Its cost_micros is ignored (0). */
  usage: UsageEvent;
  /** Refund only while the call is in one of these states (the reconciler: never an answered call). Default: any. */
  only_states?: CallState[];
}

export type CallRefundResult =
  | { outcome: 'refunded'; entry: LedgerEntry; balance_micros: number; crossed: BalanceCrossing | null }
  /** The call was settled or refunded before: nothing changed. */
  | { outcome: 'settled' }
  /** The call is in a state `only_states` excludes (with its upstream status once `answered`): nothing changed. */
  | { outcome: 'skipped'; state: CallState; upstream_status: number | null }
  | { outcome: 'account_not_found' };

export type ReserveResult =
  | {
      ok: true;
      account: Account;
      key: ApiKeyRecord;
      entry: LedgerEntry;
      balance_micros: number;
      crossed: BalanceCrossing | null;
      rate_limits: RateLimitState[];
    }
  | { ok: false; reason: AuthFailure }
  | { ok: false; reason: 'rate_limited'; rate_limit: RateLimitState; rate_limits: RateLimitState[] }
  | { ok: false; reason: 'product_not_allowed' }
  /** The key lacks `products:call`. */
  | { ok: false; reason: 'permission_denied' }
  /** `period` null: a spend limit without a period is a lifetime limit. */
  | { ok: false; reason: 'spend_limit_reached'; limit_micros: number; spent_micros: number; period: SpendLimitPeriod | null }
  | { ok: false; reason: 'insufficient_funds'; balance_micros: number; price_micros: number };

/** What a new account starts with, besides its first key (default: PLAIN_REGISTRATION). */
export interface RegisterOptions {
  /** Who shows the first key's secret; null: nobody does. */
  first_key_shown_in: FirstKeyShownIn | null;
  /** The signup credit (0: none), written with the account in one atomic change as a `signup_credit` entry. */
  signup_credit_micros: number;
  /** The new account's low-balance threshold (null: no warning). */
  low_balance_threshold_micros: number | null;
  /** Who registers it when not its own user (the operator's route): recorded with it as an `operator` event. */
  audit?: ChangeAudit;
}

/** No credit, no threshold, the secret shown by nobody. */
export const PLAIN_REGISTRATION: RegisterOptions = { first_key_shown_in: null, signup_credit_micros: 0, low_balance_threshold_micros: null };

export interface RegisterResult {
  account: Account;
  created: boolean;
  /** The first key: present only when `created` (its secret is the caller's to show, once). */
  first_key: ApiKeyRecord | null;
}

export interface NewKey {
  id: string;
  name: string;
  prefix: string;
  last_four: string;
  hash: string;
  expires_at?: string | null;
  allowed_products?: string[] | null;
  /** Default: every permission. */
  permissions?: Permission[];
  spend_limit_micros?: number | null;
  spend_limit_period?: SpendLimitPeriod | null;
}

export interface KeyPatch {
  name?: string;
  enabled?: boolean;
  expires_at?: string | null;
  allowed_products?: string[] | null;
  permissions?: Permission[];
  spend_limit_micros?: number | null;
  spend_limit_period?: SpendLimitPeriod | null;
}

export type TopupMethod = 'paddle' | 'stars';
/** `refunded`: every payment of the top-up was refunded or charged back. */
export type TopupStatus = 'pending' | 'completed' | 'failed' | 'expired' | 'refunded';

export interface Topup {
  id: string; // top_…
  account_id: string;
  method: TopupMethod;
  amount_micros: number;
  /** Stars: the number of Stars of the invoice. */
  stars: number | null;
  status: TopupStatus;
  checkout_url: string | null;
  invoice_link: string | null;
  /** Paddle transaction id, once known. */
  provider_ref: string | null;
  ledger_entry_id: string | null;
  created_at: string;
  completed_at: string | null;
}

/** Completing a top-up: its status and its credit, one atomic change (`completeTopup`). */
export interface CompleteTopupRequest {
  topup_id: string;
  /** The credit; its `account_id` must be the top-up's, `kind` is 'credit'. */
  credit: { amount_micros: number; reason: string; external_ref: string };
  /** Written on the top-up with the completion when given (e.g. a Stars charge id). */
  provider_ref?: string;
}

export type CompleteTopupResult =
  /** pending (or failed / expired) → completed, and the credit written, together. */
  | { ok: true; applied: true; topup: Topup; entry: LedgerEntry; balance_micros: number; crossed: BalanceCrossing | null }
  /**
   * Nothing credited. `already_completed`: the top-up was completed (or refunded) before,
   * by any payment. `repaired`: the credit's reference was already in the ledger (a
   * refund that landed it first, or a crash between the two writes of older versions):
   * the top-up is now completed and points to that entry.
   */
  | { ok: true; applied: false; reason: 'already_completed' | 'repaired'; topup: Topup; entry: LedgerEntry | null; balance_micros: number }
  | { ok: false; reason: 'topup_not_found' | 'account_not_found' }
  /** The credit would take the balance past the store's ceiling: nothing changed, the top-up stays as it was. */
  | { ok: false; reason: 'balance_limit_exceeded'; balance_micros: number; limit_micros: number };

/** Who a Telegram Stars charge was credited to: one record per charge id, across all accounts. */
export interface StarsCharge {
  charge_id: string;
  account_id: string;
  topup_id: string;
  created_at: string;
}

/** A payment event that moved no money and needs an operator's eye (kept for good, listed newest first). */
export interface PaymentIncident {
  /** Unique: a repeat of the same incident is recorded once (e.g. `paddle:<event id>`). */
  id: string;
  /** e.g. `paddle_transaction_mismatch`, `stars_charge_conflict`, `stars_refund_unknown_charge`, `stars_amount_refused`. */
  kind: string;
  account_id: string | null;
  topup_id: string | null;
  /** What was expected and what came, for the operator (no secrets). */
  detail: string;
  created_at: string;
}

export type CreateKeyResult = { ok: true; key: ApiKeyRecord } | { ok: false; reason: 'too_many_keys' | 'account_not_found' };

/** The new secret of a rotated key. */
export type RotatedSecret = Pick<NewKey, 'hash' | 'prefix' | 'last_four'>;

/** What the first caller of an idempotent request left: 'pending' while it runs, then its response. */
export type IdempotentClaim = { state: 'pending' } | { state: 'done'; fingerprint: string; status: number; body: string };

export interface Store {
  readonly kind: 'redis' | 'sqlite';

  // Accounts -------------------------------------------------------------------------
  /**
   * Creates the account of a Telegram user with its first key and signup credit, or returns
   * the existing one unchanged. Safe under races: one account, one first key, one credit.
   */
  register(user: TelegramUser, firstKey: NewKey, now: string, options?: RegisterOptions): Promise<RegisterResult>;
  getAccount(accountId: string): Promise<Account | null>;
  getAccountByTelegramId(telegramId: number): Promise<Account | null>;
  /** `audit`: who did it (the operator's routes say so); the change's outbox event records it. */
  setAccountStatus(accountId: string, status: AccountStatus, reason: string | null, audit?: ChangeAudit): Promise<Account | null>;
  setLowBalanceThreshold(accountId: string, thresholdMicros: number | null): Promise<Account | null>;
  /** The language of the account's notifications. */
  setLanguage(accountId: string, languageCode: string | null): Promise<Account | null>;

  // Keys -----------------------------------------------------------------------------
  /** Finds which key a secret hash belongs to (current or previous hash). Cacheable forever: the mapping never changes. */
  findKeyByHash(hash: string): Promise<{ account_id: string; key_id: string } | null>;
  createKey(accountId: string, key: NewKey, maxKeys: number, now: string): Promise<CreateKeyResult>;
  listKeys(accountId: string): Promise<ApiKeyRecord[]>; // revoked keys excluded, oldest first
  getKey(accountId: string, keyId: string): Promise<ApiKeyRecord | null>; // null for revoked or foreign keys
  updateKey(accountId: string, keyId: string, patch: KeyPatch): Promise<ApiKeyRecord | null>;
  revokeKey(accountId: string, keyId: string, now: string): Promise<ApiKeyRecord | null>;
  /** New secret under the same id; the old hash stays valid until `previousExpiresAt` (null: at once). */
  rotateKey(accountId: string, keyId: string, newKey: RotatedSecret, previousExpiresAt: string | null): Promise<ApiKeyRecord | null>;
  /** Off the hot path: batched by the caller. */
  touchKeys(uses: Array<{ account_id: string; key_id: string; at: string }>): Promise<void>;
  authorize(request: AuthorizeRequest): Promise<AuthorizeResult>;
  /** Counts a request of a caller without a key against the account's rate limits; returns the account. */
  limitAccount(request: LimitAccountRequest): Promise<LimitAccountResult>;

  // Ledger ---------------------------------------------------------------------------
  applyLedger(change: LedgerChange, now: string): Promise<LedgerResult>;
  /** Newest first. The cursor is opaque. */
  listLedger(accountId: string, options: { limit: number; cursor?: string | null }): Promise<Page<LedgerEntry>>;
  /** Newest first: per-call charges grouped by UTC day and product, every other entry alone; reads at most 2,000 entries (`history.ts`). */
  listDailyHistory(accountId: string, options: { limit: number; cursor?: string | null }): Promise<Page<DailyHistoryItem>>;
  /** Newest first, the entries matching the filter; reads at most 2,000 entries, so a page may be short with a next cursor. */
  filterLedger(accountId: string, filter: LedgerFilter): Promise<Page<LedgerEntry>>;
  /** Test and audit helper: the sum of every entry of the account. */
  sumLedger(accountId: string): Promise<number>;
  /** The entry written under this external reference, if any (payments: what a charge credited, before refunding it). */
  findLedgerEntry(accountId: string, externalRef: string): Promise<LedgerEntry | null>;

  // Proxy ----------------------------------------------------------------------------
  reserve(request: ReserveRequest, now: string): Promise<ReserveResult>;
  /** Off the hot path, batched: state changes of open calls and the settlement of kept ones (with their usage). */
  settleCalls(transitions: CallTransition[], settlements: CallSettlement[]): Promise<void>;
  /** Refunds an open call once (a second refund or a refund after settlement changes nothing). */
  refundCall(refund: CallRefund, now: string): Promise<CallRefundResult>;
  /** Open calls reserved before `reservedBeforeMs`, for the reconciler (at most `limit`). */
  listOpenCalls(reservedBeforeMs: number, limit: number): Promise<OpenCall[]>;

  // Usage ----------------------------------------------------------------------------
  recordUsage(events: UsageEvent[]): Promise<void>;
  /** Days inclusive, YYYY-MM-DD (UTC). */
  getUsage(accountId: string, fromDay: string, toDay: string): Promise<UsageRow[]>;
  /** The latest raw events, newest first (the last 1,000 per account are kept). */
  listUsageEvents(accountId: string, limit: number): Promise<UsageEvent[]>;

  // Top-ups --------------------------------------------------------------------------
  createTopup(topup: Topup): Promise<Topup>;
  getTopup(topupId: string): Promise<Topup | null>;
  /** `audit`: who did it (the operator's refund says so); the change's outbox event records it. */
  updateTopup(topupId: string, patch: Partial<Omit<Topup, 'id' | 'account_id'>>, audit?: ChangeAudit): Promise<Topup | null>;
  /** pending / failed / expired → completed and the credit, atomically; a completed or refunded top-up credits nothing. */
  completeTopup(request: CompleteTopupRequest, now: string): Promise<CompleteTopupResult>;

  // Payments ---------------------------------------------------------------------------
  /**
   * Records which account a Stars charge belongs to, before it is credited; the first
   * record of a charge id stands. Returns the record that stands and whether it is this one.
   */
  claimStarsCharge(charge: StarsCharge): Promise<{ claimed: boolean; charge: StarsCharge }>;
  getStarsCharge(chargeId: string): Promise<StarsCharge | null>;
  /** Keeps an incident for the operator; false when one with this id was kept before. */
  recordPaymentIncident(incident: PaymentIncident): Promise<boolean>;
  /** Newest first. */
  listPaymentIncidents(limit: number): Promise<PaymentIncident[]>;

  // Idempotency and de-duplication -----------------------------------------------------
  /**
   * Claims `scope/key` for a first caller. Returns null when this call claimed it (go ahead,
   * then `saveIdempotent`), or the stored response of the first caller ('pending' while it runs).
   */
  claimIdempotent(scope: string, key: string, fingerprint: string, ttlSeconds: number): Promise<IdempotentClaim | null>;
  saveIdempotent(scope: string, key: string, fingerprint: string, status: number, body: string, ttlSeconds: number): Promise<void>;
  releaseIdempotent(scope: string, key: string): Promise<void>;
  /** True the first time `namespace/id` is seen within `ttlSeconds`. */
  markSeen(namespace: string, id: string, ttlSeconds: number): Promise<boolean>;

  // Outbox (only a store opened with `outbox: true` writes it) ------------------------------
  /** Up to about `limit` events not yet acknowledged, oldest first per account. Reading removes nothing. */
  readOutbox(limit: number): Promise<OutboxBatch>;
  /** Removes the events of a batch (once they are safe in PostgreSQL); events read by another reader again are harmless. */
  ackOutbox(receipt: string): Promise<void>;
  outboxBacklog(): Promise<OutboxBacklog>;
  /**
   * The ledger's retention (Redis only; SQLite keeps its ledger on disk and removes nothing):
   * removes up to `limit` of the account's entries with a sequence number up to `upToSeq` (the
   * caller has them in PostgreSQL) created before `createdBefore`. Returns how many it removed.
   * References keep answering as applied; the balance is untouched (it no longer equals the sum
   * of the kept entries, only that of PostgreSQL's).
   */
  trimLedger(accountId: string, upToSeq: number, createdBefore: string, limit: number): Promise<number>;

  // Operations -----------------------------------------------------------------------
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * What the outbox carries to PostgreSQL (`server/src/outbox/`), written in the same atomic
 * change as the thing it records, and only by a store opened with `outbox: true`.
 * `ledger`: every ledger entry; `account_created`: a registration; `activity`: the rest
 * (keys, payments, operator actions: `ActivityEvent`). The metered call's reserve and
 * settlement write nothing here but their ledger entries.
 */
export type OutboxEvent =
  | {
      type: 'ledger';
      /** The entry's id: unique, so PostgreSQL keeps each entry once however often it is drained. */
      event_id: string;
      account_id: string;
      at: string;
      /** The entry's per-account sequence number (the ledger's order). */
      seq: number;
      entry: LedgerEntry;
      /** The product of a metered call's debit (`reserve`); null for every other entry. */
      product_id: string | null;
    }
  | { type: 'account_created'; event_id: string; account_id: string; at: string; telegram_id: number }
  | ActivityEvent;

/** Who made a change, for the record PostgreSQL keeps of it (never a credential). */
export interface ChangeAudit {
  /** e.g. `operator` (the admin token); absent: the account's own caller, or kikuai itself. */
  actor?: string;
  /** The request that made the change (the logs carry the same id). */
  request_id?: string;
  /** Why, in the actor's words, where the change itself keeps no reason. */
  reason?: string;
}

/**
 * What happened to keys, payments and accounts besides money (`events` in PostgreSQL; the
 * ledger has its own table). Never a secret or a key hash: a key is named by its id and the
 * last four characters of its secret (`KeySnapshot`).
 * - `key`: created, updated (`data.changed` names the fields), revoked, rotated;
 * - `payment`: topup_created, topup_updated (`data.changed`), topup_completed, stars_charge_claimed, incident_recorded;
 * - `account`: suspended / restored by kikuai or a caller that did not say who it is;
 * - `operator`: account_created, account_suspended, account_restored, topup_updated — changes
 *   the operator's routes made (`ChangeAudit`), with the request's id.
 */
export interface ActivityEvent {
  type: 'activity';
  /** Unique and written with the event: PostgreSQL keeps each event once however often it is drained. */
  event_id: string;
  /** null: an event of no account (a payment incident that names none). */
  account_id: string | null;
  at: string;
  category: ActivityCategory;
  action: string;
  /** The key, top-up, Stars charge or incident the event is about; null: the account itself. */
  subject_id: string | null;
  data: Record<string, unknown>;
}

export type ActivityCategory = 'key' | 'payment' | 'account' | 'operator';

/** A key as an event shows it (records.ts KEY_EVENT_FIELDS): no hash, no prefix. */
export type KeySnapshot = Pick<
  ApiKeyRecord,
  'id' | 'name' | 'last_four' | 'enabled' | 'revoked_at' | 'expires_at' | 'allowed_products' | 'permissions' | 'spend_limit_micros' | 'spend_limit_period'
>;

/** Events read from the outbox, oldest first per account; `receipt` acknowledges exactly these. */
export interface OutboxBatch {
  events: OutboxEvent[];
  receipt: string;
}

/** How far the outbox is behind: events not yet acknowledged, and when the oldest of them happened. */
export interface OutboxBacklog {
  pending: number;
  oldest_at: string | null;
}

/** The names of the Store interface's methods. */
export type StoreOperation = { [Name in keyof Store]: Store[Name] extends (...args: never[]) => unknown ? Name : never }[keyof Store];

/**
 * Every operation of the Store interface, by name (for what wraps a store, such as the
 * metrics' timers). A Record over `StoreOperation` makes the compiler reject a list that
 * misses an operation or names one the interface lacks; an adapter's own helpers are
 * never on it.
 */
const OPERATIONS: Record<StoreOperation, true> = {
  register: true,
  getAccount: true,
  getAccountByTelegramId: true,
  setAccountStatus: true,
  setLowBalanceThreshold: true,
  setLanguage: true,
  findKeyByHash: true,
  createKey: true,
  listKeys: true,
  getKey: true,
  updateKey: true,
  revokeKey: true,
  rotateKey: true,
  touchKeys: true,
  authorize: true,
  limitAccount: true,
  applyLedger: true,
  listLedger: true,
  listDailyHistory: true,
  filterLedger: true,
  sumLedger: true,
  findLedgerEntry: true,
  reserve: true,
  settleCalls: true,
  refundCall: true,
  listOpenCalls: true,
  recordUsage: true,
  getUsage: true,
  listUsageEvents: true,
  createTopup: true,
  getTopup: true,
  updateTopup: true,
  completeTopup: true,
  claimStarsCharge: true,
  getStarsCharge: true,
  recordPaymentIncident: true,
  listPaymentIncidents: true,
  claimIdempotent: true,
  saveIdempotent: true,
  releaseIdempotent: true,
  markSeen: true,
  readOutbox: true,
  ackOutbox: true,
  outboxBacklog: true,
  trimLedger: true,
  ping: true,
  close: true,
};
export const STORE_OPERATIONS = Object.keys(OPERATIONS) as StoreOperation[];
