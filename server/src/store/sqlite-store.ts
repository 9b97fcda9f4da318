import Database from 'better-sqlite3';
import path from 'node:path';
import { newAccountId, newLedgerId } from './ids.js';
import {
  USAGE_EVENTS_KEPT,
  USAGE_RETENTION_DAYS,
  balanceCrossing,
  compareUsageRows,
  decodeLedgerCursor,
  encodeLedgerCursor,
  callRefusal,
  keyRefusal,
  keptUsageEvents,
  currentSpend,
  periodStartIso,
  releasedSpend,
  callRefundRef,
  callStateSegment,
  decodeCallRecord,
  encodeCallRecord,
  refundedUsage,
  sumUsage,
  assertPageLimit,
  COMPLETABLE_TOPUP_STATUSES,
  assertTopupCredit,
  checkedBalanceCeiling,
  checkedChange,
  checkedKeyAmounts,
  checkedMicros,
  checkedRegisterOptions,
  checkedTopupAmounts,
  signupCreditChange,
  MAX_CHANGE_MICROS,
  MICROS_LIMIT,
} from './logic.js';
import {
  encodeLedgerEvent,
  newAccountFields,
  newKeyFields,
  parseOutboxEvent,
  completeActivityEvent,
  storedPermissions,
  toAccount,
  toEntry,
  toKey,
  toTopup,
  keyEventFields,
} from './records.js';
import { MIGRATIONS } from './sqlite-schema.js';
import {
  accountStatusEvent,
  incidentRecordedEvent,
  keyChangeHead,
  keyCreatedEvent,
  registrationEvents,
  starsChargeClaimedEvent,
  topupCompletedHead,
  topupCreatedEvent,
  topupUpdatedEvent,
} from './activity-events.js';
import { dailyHistoryPage, filteredLedgerPage, type LedgerWindowReader } from './history.js';
import { AuthSnapshots, withPerCallFields, type AuthSnapshot, type PerCallFields } from './auth-snapshots.js';
import { rateWindowsFor, type RateWindows } from './rate-windows.js';
import { ReservedCalls } from './sqlite-reserved-calls.js';
import { GroupCommit, type BatchOutcome } from './group-commit.js';
import type {
  OutboxBacklog,
  OutboxBatch,
  Account,
  AccountStatus,
  ChangeAudit,
  ApiKeyRecord,
  AuthorizeRequest,
  AuthorizeResult,
  BalanceCrossing,
  CompleteTopupRequest,
  CompleteTopupResult,
  CreateKeyResult,
  CallRefund,
  CallRefundResult,
  CallSettlement,
  CallTransition,
  KeyPatch,
  IdempotentClaim,
  LedgerChange,
  DailyHistoryItem,
  LedgerEntry,
  LedgerFilter,
  LedgerKind,
  LedgerResult,
  LimitAccountRequest,
  LimitAccountResult,
  NewKey,
  OpenCall,
  Page,
  PaymentIncident,
  RegisterOptions,
  RateLimitState,
  RegisterResult,
  ReserveRequest,
  ReserveResult,
  RotatedSecret,
  StarsCharge,
  Store,
  TelegramUser,
  Topup,
  UsageEvent,
  UsageRow,
} from './types.js';
import { PLAIN_REGISTRATION } from './types.js';

type Row = Record<string, string | number | null>;
/** A debit row as far as its call is concerned (migrations 7 and 8). */
type CallRow = { seq: number; external_ref: string; open_call: string | null; call_instance: number | null };
/** A call reserved this long ago and still open here is checked against its row (someone else may have closed it). */
const STALE_RESERVATION_MS = 60_000;
type IdempotentValue = { state: 'pending'; fingerprint: string } | { state: 'done'; fingerprint: string; status: number; body: string };

const KEY_PATCH_COLUMNS = ['name', 'enabled', 'expires_at', 'allowed_products', 'permissions', 'spend_limit_micros', 'spend_limit_period'] as const;
const TOPUP_PATCH_COLUMNS = [
  'method',
  'amount_micros',
  'stars',
  'status',
  'checkout_url',
  'invoice_link',
  'provider_ref',
  'ledger_entry_id',
  'created_at',
  'completed_at',
] as const;

/** A reservation this store object wrote, remembered once its transaction commits. */
type ReservedCall = { ref: string; accountId: string; seq: number; reservedMs: number };

/**
 * The embedded adapter. better-sqlite3 is synchronous: every method runs to completion
 * before another starts in this process, and each change is one `BEGIN IMMEDIATE`
 * transaction, so other processes on the same file wait (busy_timeout) instead of failing.
 * Reservations, the metered call's one write, are the exception that proves it: those
 * made in one turn of the event loop commit together at its end (group-commit.ts).
 */
export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  private readonly db: Database.Database;
  private readonly statements: ReturnType<typeof prepare>;

  /** Fixed-window rate limits, counted in process memory (`rate-windows.ts`). */
  private readonly rateWindows: RateWindows;
  /** Keys and accounts as last read, by revision: the hot path reads only per-call fields. */
  private readonly snapshots = new AuthSnapshots();
  private readonly maxBalanceMicros: number;
  /** This store object's instance number (migration 8), written into the debit rows it reserves. */
  private readonly instance: number;
  /** The calls this store object reserved and has not closed: settled by watermark. */
  private readonly reservedCalls = new ReservedCalls();
  /** The reserve that the running transaction wrote, added to `reservedCalls` once it commits. */
  private reserving: ReservedCall | null = null;

  /** `maxBalanceMicros`: the balance ceiling, no change takes a balance above it (default $1,000,000; at most 10^15 micro-USD). */
  /** Whether this store writes the outbox that PostgreSQL is fed from (`DATABASE_URL`). */
  private readonly outbox: boolean;

  /**
   * `maxBalanceMicros`: the balance ceiling, no change takes a balance above it (default $1,000,000; at most 10^15 micro-USD).
   * `outbox`: write the outbox that PostgreSQL is fed from; off, nothing is written for it.
   */
  constructor(filename: string, options: { maxBalanceMicros?: number; outbox?: boolean } = {}) {
    this.maxBalanceMicros = checkedBalanceCeiling(options.maxBalanceMicros);
    this.outbox = options.outbox ?? false;
    this.db = new Database(filename);
    this.rateWindows = rateWindowsFor(filename === ':memory:' ? filename : path.resolve(filename));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('foreign_keys = ON');
    migrate(this.db);
    this.statements = prepare(this.db);
    this.instance = (this.statements.newInstance.get(new Date().toISOString()) as { id: number }).id;
  }

  /** Transaction wrappers are built once per function, like the statements. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  private readonly transactions = new Map<unknown, Database.Transaction<(...args: any[]) => unknown>>();
  private transaction<A extends unknown[], R>(body: (...args: A) => R): Database.Transaction<(...args: A) => R> {
    let wrapped = this.transactions.get(body);
    if (!wrapped) {
      wrapped = this.db.transaction(body);
      this.transactions.set(body, wrapped);
    }
    return wrapped as Database.Transaction<(...args: A) => R>;
  }
  private immediate<A extends unknown[], R>(body: (...args: A) => R, ...args: A): R {
    return this.transaction(body).immediate(...args);
  }

  // Accounts -------------------------------------------------------------------------
  private readonly registerTransaction = (user: TelegramUser, firstKey: NewKey, now: string, options: RegisterOptions, accountId: string): RegisterResult => {
    const s = this.statements;
    const existing = s.accountByTelegramId.get(user.id) as Row | undefined;
    if (existing) return { account: toAccount(existing), created: false, first_key: null };
    s.insertAccount.run(newAccountFields(accountId, user, now, options));
    this.insertKey(accountId, firstKey, now);
    if (this.outbox) {
      for (const event of registrationEvents(accountId, user, s.key.get(firstKey.id) as Row, now, options)) s.insertOutbox.run(accountId, now, event);
    }
    const credit = signupCreditChange(accountId, user.id, options);
    if (credit) {
      const result = this.applyTransaction(credit, now);
      // A throw rolls the whole registration back: an account never exists without its credit.
      if (!result.ok) throw new Error(`The signup credit was refused: ${result.reason}`);
    }
    return { account: this.requireAccount(accountId), created: true, first_key: toKey(s.key.get(firstKey.id) as Row) };
  };

  async register(user: TelegramUser, firstKey: NewKey, now: string, options: RegisterOptions = PLAIN_REGISTRATION): Promise<RegisterResult> {
    checkedKeyAmounts(firstKey);
    checkedRegisterOptions(options);
    return this.immediate(this.registerTransaction, user, firstKey, now, options, newAccountId());
  }

  private insertKey(accountId: string, key: NewKey, now: string): void {
    this.statements.insertKey.run(newKeyFields(accountId, key, now));
    this.statements.insertKeyHash.run(key.hash, accountId, key.id);
  }

  /** Writes an activity event into the outbox (inside the caller's transaction); nothing without the outbox. `event` is only built with it. */
  private record(accountId: string | null, at: string, event: () => string): void {
    if (this.outbox) this.statements.insertOutbox.run(accountId ?? '', at, event());
  }

  private recordKeyCreated(accountId: string, keyId: string, at: string): void {
    this.record(accountId, at, () => keyCreatedEvent(accountId, this.statements.key.get(keyId) as Row, at));
  }

  /** A key change's event: the head completed with the key's row after the change (the twin of the scripts' `push_event_with`). */
  private recordKeyChange(accountId: string, keyId: string, action: 'updated' | 'revoked' | 'rotated', at: string, data?: Record<string, unknown>): void {
    this.record(accountId, at, () =>
      completeActivityEvent(keyChangeHead(accountId, keyId, action, at, data), keyEventFields(this.statements.key.get(keyId) as Row)),
    );
  }

  private requireAccount(accountId: string): Account {
    return toAccount(this.statements.account.get(accountId) as Row);
  }

  async getAccount(accountId: string): Promise<Account | null> {
    const row = this.statements.account.get(accountId) as Row | undefined;
    return row ? toAccount(row) : null;
  }

  async getAccountByTelegramId(telegramId: number): Promise<Account | null> {
    const row = this.statements.accountByTelegramId.get(telegramId) as Row | undefined;
    return row ? toAccount(row) : null;
  }

  private readonly setStatusTransaction = (accountId: string, status: AccountStatus, reason: string | null, audit: ChangeAudit | undefined): void => {
    if (this.statements.setStatus.run(status, reason, accountId).changes === 0) return;
    const at = new Date().toISOString();
    this.record(accountId, at, () => accountStatusEvent(accountId, status, reason, at, audit));
  };

  async setAccountStatus(accountId: string, status: AccountStatus, reason: string | null, audit?: ChangeAudit): Promise<Account | null> {
    this.immediate(this.setStatusTransaction, accountId, status, reason, audit);
    return this.getAccount(accountId);
  }

  async setLowBalanceThreshold(accountId: string, thresholdMicros: number | null): Promise<Account | null> {
    if (thresholdMicros !== null) checkedMicros('low_balance_threshold_micros', thresholdMicros, 0, MICROS_LIMIT);
    // A new threshold starts a fresh notification cycle.
    this.statements.setThreshold.run(thresholdMicros, accountId);
    return this.getAccount(accountId);
  }

  async setLanguage(accountId: string, languageCode: string | null): Promise<Account | null> {
    this.statements.setLanguage.run(languageCode, accountId);
    return this.getAccount(accountId);
  }

  // Keys -----------------------------------------------------------------------------
  async findKeyByHash(hash: string): Promise<{ account_id: string; key_id: string } | null> {
    const row = this.statements.keyHash.get(hash) as { account_id: string; key_id: string } | undefined;
    return row ? { account_id: row.account_id, key_id: row.key_id } : null;
  }

  private readonly createKeyTransaction = (accountId: string, key: NewKey, maxKeys: number, now: string): CreateKeyResult => {
    if (!this.statements.account.get(accountId)) return { ok: false, reason: 'account_not_found' };
    const { count } = this.statements.countKeys.get(accountId) as { count: number };
    if (count >= maxKeys) return { ok: false, reason: 'too_many_keys' };
    this.insertKey(accountId, key, now);
    this.recordKeyCreated(accountId, key.id, now);
    return { ok: true, key: toKey(this.statements.key.get(key.id) as Row) };
  };

  async createKey(accountId: string, key: NewKey, maxKeys: number, now: string): Promise<CreateKeyResult> {
    checkedKeyAmounts(key);
    return this.immediate(this.createKeyTransaction, accountId, key, maxKeys, now);
  }

  async listKeys(accountId: string): Promise<ApiKeyRecord[]> {
    return (this.statements.keysOfAccount.all(accountId) as Row[]).map(toKey);
  }

  private liveKey(accountId: string, keyId: string): Row | null {
    const row = this.statements.key.get(keyId) as Row | undefined;
    return row && row.account_id === accountId && row.revoked_at === null ? row : null;
  }

  async getKey(accountId: string, keyId: string): Promise<ApiKeyRecord | null> {
    const row = this.liveKey(accountId, keyId);
    return row ? toKey(row) : null;
  }

  async updateKey(accountId: string, keyId: string, patch: KeyPatch): Promise<ApiKeyRecord | null> {
    checkedKeyAmounts(patch);
    const values: Record<string, string | number | null> = {};
    if (patch.name !== undefined) values.name = patch.name;
    if (patch.enabled !== undefined) values.enabled = patch.enabled ? 1 : 0;
    if (patch.expires_at !== undefined) values.expires_at = patch.expires_at;
    if (patch.allowed_products !== undefined) values.allowed_products = patch.allowed_products ? JSON.stringify(patch.allowed_products) : null;
    if (patch.permissions !== undefined) values.permissions = storedPermissions(patch.permissions);
    if (patch.spend_limit_micros !== undefined) values.spend_limit_micros = patch.spend_limit_micros;
    if (patch.spend_limit_period !== undefined) values.spend_limit_period = patch.spend_limit_period;
    const columns = KEY_PATCH_COLUMNS.filter((column) => column in values);
    if (columns.length > 0) this.immediate(this.updateKeyTransaction, accountId, keyId, values, columns);
    return this.getKey(accountId, keyId);
  }

  private readonly updateKeyTransaction = (accountId: string, keyId: string, values: Record<string, string | number | null>, columns: string[]): void => {
    const assignments = columns.map((column) => `${column} = @${column}`).join(', ');
    const { changes } = this.cached(`UPDATE api_keys SET ${assignments} WHERE id = @id AND account_id = @account_id AND revoked_at IS NULL`).run({
      ...values,
      id: keyId,
      account_id: accountId,
    });
    if (changes > 0) this.recordKeyChange(accountId, keyId, 'updated', new Date().toISOString(), { changed: columns });
  };

  private readonly dynamicStatements = new Map<string, Database.Statement>();
  private cached(sql: string): Database.Statement {
    let statement = this.dynamicStatements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.dynamicStatements.set(sql, statement);
    }
    return statement;
  }

  private readonly revokeTransaction = (accountId: string, keyId: string, now: string): ApiKeyRecord | null => {
    if (!this.liveKey(accountId, keyId)) return null;
    this.statements.revokeKey.run(now, keyId);
    this.recordKeyChange(accountId, keyId, 'revoked', now);
    return toKey(this.statements.key.get(keyId) as Row);
  };

  async revokeKey(accountId: string, keyId: string, now: string): Promise<ApiKeyRecord | null> {
    return this.immediate(this.revokeTransaction, accountId, keyId, now);
  }

  private readonly rotateTransaction = (accountId: string, keyId: string, newKey: RotatedSecret, previousExpiresAt: string | null): ApiKeyRecord | null => {
    const row = this.liveKey(accountId, keyId);
    if (!row) return null;
    this.statements.insertKeyHash.run(newKey.hash, accountId, keyId);
    this.statements.rotateKey.run({
      id: keyId,
      hash: newKey.hash,
      prefix: newKey.prefix,
      last_four: newKey.last_four,
      previous_hash: previousExpiresAt === null ? null : row.hash,
      previous_hash_expires_at: previousExpiresAt,
    });
    this.recordKeyChange(accountId, keyId, 'rotated', new Date().toISOString(), { previous_secret_valid_until: previousExpiresAt });
    return toKey(this.statements.key.get(keyId) as Row);
  };

  async rotateKey(accountId: string, keyId: string, newKey: RotatedSecret, previousExpiresAt: string | null): Promise<ApiKeyRecord | null> {
    return this.immediate(this.rotateTransaction, accountId, keyId, newKey, previousExpiresAt);
  }

  private readonly touchTransaction = (uses: Array<{ account_id: string; key_id: string; at: string }>): void => {
    for (const use of uses) this.statements.touchKey.run({ at: use.at, key_id: use.key_id, account_id: use.account_id });
  };

  async touchKeys(uses: Array<{ account_id: string; key_id: string; at: string }>): Promise<void> {
    if (uses.length > 0) this.immediate(this.touchTransaction, uses);
  }

  private readonly limitAccountTransaction = (request: LimitAccountRequest): LimitAccountResult => {
    const row = this.statements.account.get(request.account_id) as Row | undefined;
    if (!row) return { ok: false, reason: 'account_not_found' };
    const { states, limited, commit } = this.rateWindows.check(request.account_id, request.rate_limits, request.now_ms);
    if (limited) return { ok: false, reason: 'rate_limited', rate_limit: limited, rate_limits: states };
    return { ok: true, account: toAccount(row), rate_limits: commit() };
  };

  async limitAccount(request: LimitAccountRequest): Promise<LimitAccountResult> {
    // Rate limits are counted in memory: this only reads the database.
    return this.transaction(this.limitAccountTransaction).deferred(request);
  }

  /**
   * Authentication and rate limits: the part of authorize and reserve that is the same.
   * `snapshot`: this key's snapshot if it would let the request through (looked up once).
   */
  private authenticate(
    request: AuthorizeRequest,
    snapshot = this.snapshots.usable(request.account_id, request.key_id, request.hash, request.now_ms),
  ):
    | { refused: Extract<AuthorizeResult, { ok: false }> }
    | { refused: null; account: Account; key: ApiKeyRecord; commit: () => RateLimitState[]; states: RateLimitState[]; limited: RateLimitState | null } {
    const s = this.statements;
    // A snapshot at the current revision needs only the per-call fields (auth-snapshots.ts).
    if (snapshot) {
      const row = s.perCallFields.get(request.key_id) as Row | undefined;
      if (row && String(row.rev) === snapshot.rev) {
        const { account, key } = withPerCallFields(snapshot, perCallFieldsOf(row));
        const { states, limited, commit } = this.rateWindows.check(request.account_id, request.rate_limits, request.now_ms);
        return { refused: null, account, key, commit, states, limited };
      }
    }
    const keyRow = s.key.get(request.key_id) as Row | undefined;
    const key = keyRow && keyRow.account_id === request.account_id ? toKey(keyRow) : null;
    const accountRow = s.account.get(request.account_id) as Row | undefined;
    const account = accountRow ? toAccount(accountRow) : null;
    const refusal = keyRefusal(key, account, request.hash, request.now_ms);
    if (refusal) {
      this.snapshots.forget(request.key_id);
      return { refused: { ok: false, reason: refusal } };
    }
    this.snapshots.remember(String(accountRow!.rev), account!, key!);
    const { states, limited, commit } = this.rateWindows.check(request.account_id, request.rate_limits, request.now_ms);
    return { refused: null, account: account!, key: key!, commit, states, limited };
  }

  private readonly authorizeTransaction = (request: AuthorizeRequest, snapshot?: AuthSnapshot): AuthorizeResult => {
    const auth = this.authenticate(request, snapshot);
    if (auth.refused) return auth.refused;
    if (auth.limited) return { ok: false, reason: 'rate_limited', rate_limit: auth.limited, rate_limits: auth.states };
    return { ok: true, account: auth.account, key: auth.key, rate_limits: auth.commit() };
  };

  async authorize(request: AuthorizeRequest): Promise<AuthorizeResult> {
    // Rate limits are counted in memory, so authorize only reads: with a current snapshot
    // one statement, else a deferred transaction (no write lock).
    const snapshot = this.snapshots.usable(request.account_id, request.key_id, request.hash, request.now_ms);
    if (snapshot) return this.authorizeTransaction(request, snapshot);
    return this.transaction(this.authorizeTransaction).deferred(request, undefined);
  }

  // Ledger ---------------------------------------------------------------------------
  /** Writes an entry and the new balance; the caller has checked everything. */
  private appendEntry(
    account: Account,
    kind: LedgerKind,
    amount: number,
    reason: string,
    externalRef: string | null,
    now: string,
    extra: { status?: AccountStatus; suspended_reason?: string; openCall?: string; productId?: string } = {},
  ): { entry: LedgerEntry; seq: number; crossed: BalanceCrossing | null; notified: boolean } {
    const s = this.statements;
    const newBalance = account.balance_micros + amount;
    const { crossed, notified } = balanceCrossing(account.balance_micros, newBalance, account.low_balance_threshold_micros, account.low_balance_notified);
    const { ledger_seq: sequence } = s.advanceAccount.get({
      id: account.id,
      balance_micros: newBalance,
      low_balance_notified: notified ? 1 : 0,
      status: extra.status ?? account.status,
      suspended_reason: extra.status ? (extra.suspended_reason ?? null) : account.suspended_reason,
      opened: extra.openCall ? 1 : 0,
    }) as { ledger_seq: number };
    const row = {
      account_id: account.id,
      seq: sequence,
      id: newLedgerId(),
      kind,
      amount_micros: amount,
      balance_after_micros: newBalance,
      reason,
      external_ref: externalRef || null,
      created_at: now,
    };
    s.insertEntry.run({ ...row, open_call: extra.openCall ?? null, call_instance: extra.openCall ? this.instance : null });
    const entry = toEntry(account.id, row);
    if (this.outbox) s.insertOutbox.run(account.id, now, encodeLedgerEvent(sequence, entry, extra.productId ?? null));
    return { entry, seq: sequence, crossed, notified };
  }

  private entryByRef(accountId: string, externalRef: string | null | undefined): LedgerEntry | null {
    if (!externalRef) return null;
    const row = this.statements.entryByRef.get(accountId, externalRef) as Row | undefined;
    return row ? toEntry(accountId, row) : null;
  }

  private readonly applyTransaction = (change: LedgerChange, now: string): LedgerResult => {
    const accountRow = this.statements.account.get(change.account_id) as Row | undefined;
    if (!accountRow) return { ok: false, reason: 'account_not_found' };
    const account = toAccount(accountRow);
    const previous = this.entryByRef(account.id, change.external_ref);
    if (previous) return { ok: true, applied: false, entry: previous, balance_micros: account.balance_micros, crossed: null };
    checkedMicros('the stored balance_micros', account.balance_micros, 0, MICROS_LIMIT);
    let amount = change.amount_micros;
    let shortfall = 0;
    if (account.balance_micros + amount < 0) {
      if (change.on_insufficient !== 'clamp_and_suspend') return { ok: false, reason: 'insufficient_funds', balance_micros: account.balance_micros };
      shortfall = -(account.balance_micros + amount);
      amount = -account.balance_micros;
    }
    // An increase never takes the balance past the ceiling (a decrease always goes through): decided in the transaction.
    if (amount > 0 && account.balance_micros + amount > this.maxBalanceMicros) {
      return { ok: false, reason: 'balance_limit_exceeded', balance_micros: account.balance_micros, limit_micros: this.maxBalanceMicros };
    }
    if (change.key_id && change.kind === 'refund' && amount > 0) {
      const keyRow = this.statements.key.get(change.key_id) as Row | undefined;
      const key = keyRow && keyRow.account_id === account.id ? toKey(keyRow) : null;
      const spent = key ? releasedSpend(key, amount, Date.parse(now)) : null;
      if (key && spent !== null) this.statements.addSpend.run(spent, key.spend_period_start, key.id);
    }
    const suspension = shortfall > 0 ? { status: 'suspended' as const, suspended_reason: `insufficient_funds: shortfall of ${shortfall} micro-USD` } : {};
    const { entry, crossed } = this.appendEntry(account, change.kind, amount, change.reason, change.external_ref ?? null, now, suspension);
    return {
      ok: true,
      applied: true,
      entry,
      balance_micros: entry.balance_after_micros,
      crossed,
      ...(shortfall > 0 ? { shortfall_micros: shortfall } : {}),
    };
  };

  async applyLedger(change: LedgerChange, now: string): Promise<LedgerResult> {
    checkedChange(change.amount_micros);
    return this.immediate(this.applyTransaction, change, now);
  }

  async listLedger(accountId: string, options: { limit: number; cursor?: string | null }): Promise<Page<LedgerEntry>> {
    assertPageLimit(options.limit);
    const before = options.cursor ? decodeLedgerCursor(options.cursor) : Number.MAX_SAFE_INTEGER;
    const rows = this.statements.ledgerPage.all(accountId, before, options.limit + 1) as Row[];
    const page = rows.slice(0, options.limit);
    const more = rows.length > options.limit;
    return { items: page.map((row) => toEntry(accountId, row)), next_cursor: more ? encodeLedgerCursor(Number(page[page.length - 1]!.seq)) : null };
  }

  async listDailyHistory(accountId: string, options: { limit: number; cursor?: string | null }): Promise<Page<DailyHistoryItem>> {
    return dailyHistoryPage(this.ledgerWindowOf(accountId), options);
  }

  async filterLedger(accountId: string, filter: LedgerFilter): Promise<Page<LedgerEntry>> {
    return filteredLedgerPage(this.ledgerWindowOf(accountId), filter);
  }

  /** One range scan of the (account_id, seq) key per window. */
  private ledgerWindowOf(accountId: string): LedgerWindowReader {
    return async (beforeSeq, count) =>
      (this.statements.ledgerPage.all(accountId, beforeSeq, count) as Row[]).map((row) => ({ seq: Number(row.seq), entry: toEntry(accountId, row) }));
  }

  async sumLedger(accountId: string): Promise<number> {
    return (this.statements.sumLedger.get(accountId) as { total: number }).total;
  }

  async findLedgerEntry(accountId: string, externalRef: string): Promise<LedgerEntry | null> {
    return this.entryByRef(accountId, externalRef);
  }

  // Proxy ----------------------------------------------------------------------------
  private readonly reserveTransaction = (request: ReserveRequest, now: string): ReserveResult => {
    const auth = this.authenticate(request);
    if (auth.refused) return auth.refused;
    const { account, key } = auth;
    const previous = this.entryByRef(account.id, request.external_ref);
    if (previous) return { ok: true, account, key, entry: previous, balance_micros: account.balance_micros, crossed: null, rate_limits: auth.states };
    if (auth.limited) return { ok: false, reason: 'rate_limited', rate_limit: auth.limited, rate_limits: auth.states };

    const price = request.price_micros;
    const period = key.spend_limit_period;
    const periodStart = period ? periodStartIso(period, request.now_ms) : null;
    const spent = currentSpend(key, request.now_ms);
    let refused: ReserveResult | null = null;
    const callRefused = callRefusal(key, request.product_id);
    if (callRefused) {
      refused = { ok: false, reason: callRefused };
    } else if (key.spend_limit_micros !== null && spent + price > key.spend_limit_micros) {
      refused = { ok: false, reason: 'spend_limit_reached', limit_micros: key.spend_limit_micros, spent_micros: spent, period };
    } else if (account.balance_micros < price) {
      refused = { ok: false, reason: 'insufficient_funds', balance_micros: account.balance_micros, price_micros: price };
    }
    // Refused requests still count against the rate limits, as on Redis.
    const rateLimits = auth.commit();
    if (refused) return refused;
    // The reservation rides in the debit row (migration 7): no other write.
    const openCall = encodeCallRecord({
      state: 'reserved',
      upstream_status: null,
      reserved_ms: request.now_ms,
      price_micros: price,
      key_id: key.id,
      product_id: request.product_id,
      endpoint: request.endpoint ?? '',
    });
    const { entry, seq, crossed, notified } = this.appendEntry(account, 'debit', -price, request.reason, request.external_ref, now, {
      openCall,
      productId: request.product_id,
    });
    this.reserving = { ref: request.external_ref, accountId: account.id, seq, reservedMs: request.now_ms };
    const spendPeriodStart = periodStart ?? key.spend_period_start;
    this.statements.addSpend.run(spent + price, spendPeriodStart, key.id);
    return {
      ok: true,
      // What was just written, without reading it back.
      account: { ...account, balance_micros: entry.balance_after_micros, low_balance_notified: notified },
      key: { ...key, spent_micros: spent + price, spend_period_start: spendPeriodStart },
      entry,
      balance_micros: entry.balance_after_micros,
      crossed,
      rate_limits: rateLimits,
    };
  };

  async reserve(request: ReserveRequest, now: string): Promise<ReserveResult> {
    checkedMicros('price_micros', request.price_micros, 0, MAX_CHANGE_MICROS);
    return this.reserves.submit([request, now]);
  }

  /** Reservations commit in groups: all those made in one turn of the event loop share one commit (group-commit.ts). */
  private readonly reserves = new GroupCommit<[ReserveRequest, string], ReserveResult>((batch) => {
    const committed: ReservedCall[] = [];
    const outcomes = this.immediate(this.reserveBatchTransaction, batch, committed);
    // Committed: from here this store object may settle these calls by watermark.
    for (const call of committed) this.reservedCalls.add(call.ref, call.accountId, call.seq, call.reservedMs);
    return outcomes;
  });

  /** Each reservation in a savepoint of its own: one that throws is undone alone, and the others still commit. */
  private readonly reserveBatchTransaction = (batch: [ReserveRequest, string][], committed: ReservedCall[]): BatchOutcome<ReserveResult>[] =>
    batch.map(([request, now]) => {
      this.reserving = null;
      try {
        const result = this.transaction(this.reserveTransaction)(request, now);
        if (result.ok && this.reserving) committed.push(this.reserving);
        return { ok: true, value: result };
      } catch (error) {
        // SQLite may have rolled the whole transaction back (a full disk, an I/O error):
        // then nothing in the batch stands, and every caller hears it.
        if (!this.db.inTransaction) throw error;
        return { ok: false, error };
      } finally {
        this.reserving = null;
      }
    });

  /**
   * Closes each settled call and writes its usage, in one change. Calls this store object
   * reserved close by watermark (migration 8): every one below the lowest call it still
   * has open is closed, so the batch writes one `call_watermarks` row per account; only a
   * call settled while an older one is still in flight has its own row updated. The rest
   * (calls of another instance, the reconciler's) are closed row by row.
   * Returns the calls to forget once the change has committed.
   */
  private readonly settleCallsTransaction = (transitions: CallTransition[], settlements: CallSettlement[]): string[] => {
    const s = this.statements;
    for (const transition of transitions) {
      s.moveCall.run({ segment: callStateSegment(transition.state, transition.upstream_status), account_id: transition.account_id, ref: transition.ref });
    }
    // Only a call this transaction closes gets its usage: one the reconciler settled first is left as it is.
    const settled: UsageEvent[] = [];
    const closedPerAccount = new Map<string, number>();
    const counted = (accountId: string): void => void closedPerAccount.set(accountId, (closedPerAccount.get(accountId) ?? 0) + 1);
    const forget: string[] = [];
    const mine = new Map<string, Array<{ seq: number; settlement: CallSettlement }>>();
    for (const settlement of settlements) {
      const accountId = settlement.usage.account_id;
      const call = this.reservedCalls.get(settlement.ref);
      if (call && call.accountId === accountId) {
        const calls = mine.get(accountId) ?? [];
        calls.push({ seq: call.seq, settlement });
        mine.set(accountId, calls);
      } else if (this.closeCallByRef(accountId, settlement.ref)) {
        settled.push(settlement.usage);
        counted(accountId);
      }
    }
    const nowMs = Date.now();
    for (const [accountId, calls] of mine) {
      const closedElsewhere = this.closedAmong(
        accountId,
        calls.map((call) => call.seq),
      );
      const closing = new Set<number>();
      for (const { seq, settlement } of calls) {
        forget.push(settlement.ref);
        if (!closedElsewhere.has(seq)) closing.add(seq);
      }
      // A call another process's reconciler closed would hold the watermark down for good:
      // the oldest call still open here, once stale, is checked (one read per batch).
      const oldest = this.reservedCalls.oldest(accountId);
      if (oldest && !closing.has(oldest.seq) && !calls.some((call) => call.seq === oldest.seq) && nowMs - oldest.reservedMs > STALE_RESERVATION_MS) {
        const row = s.callAt.get(accountId, oldest.seq) as CallRow | undefined;
        if (!row || !this.callIsOpen(accountId, row)) {
          closing.add(oldest.seq);
          forget.push(oldest.ref);
        }
      }
      const watermark = this.reservedCalls.watermark(accountId, closing) ?? 0;
      for (const { seq, settlement } of calls) {
        // `delete`: a call settled twice in one batch counts once.
        if (!closing.delete(seq)) continue;
        // Above the watermark: an older call of this store object is still in flight.
        if (seq >= watermark) s.closeCallAt.run(accountId, seq);
        settled.push(settlement.usage);
        counted(accountId);
      }
      s.raiseWatermark.run({ account_id: accountId, instance: this.instance, seq: watermark });
    }
    for (const [accountId, closed] of closedPerAccount) s.countClosedCalls.run(closed, accountId);
    if (settled.length > 0) this.usageTransaction(settled);
    return forget;
  };

  async settleCalls(transitions: CallTransition[], settlements: CallSettlement[]): Promise<void> {
    if (transitions.length === 0 && settlements.length === 0) return;
    const forget = this.immediate(this.settleCallsTransaction, transitions, settlements);
    for (const ref of forget) this.reservedCalls.remove(ref);
  }

  /** Whether a debit row's call is still open (migration 8). */
  private callIsOpen(accountId: string, row: CallRow, fromSeq?: number, watermarks?: Map<number, number>): boolean {
    if (row.open_call === null) return false;
    const from = fromSeq ?? (this.statements.openCallsFrom.get(accountId) as number | undefined) ?? 0;
    if (row.seq < from) return false;
    if (row.call_instance === null) return true;
    const watermark = watermarks ? watermarks.get(row.call_instance) : (this.statements.watermark.get(accountId, row.call_instance) as number | undefined);
    return watermark === undefined || row.seq >= watermark;
  }

  /** Closes a call found by its reference unless it is closed already; true when this closed it. */
  private closeCallByRef(accountId: string, ref: string): boolean {
    const row = this.statements.callRow.get(accountId, ref) as CallRow | undefined;
    if (!row || !this.callIsOpen(accountId, row)) return false;
    this.statements.closeCallAt.run(accountId, row.seq);
    return true;
  }

  /** Which of these calls (sequence numbers) someone else closed already: one range read, or point reads when they are far apart. */
  private closedAmong(accountId: string, seqs: number[]): Set<number> {
    const s = this.statements;
    const closed = new Set<number>();
    let low = Infinity;
    let high = -Infinity;
    for (const seq of seqs) {
      low = Math.min(low, seq);
      high = Math.max(high, seq);
    }
    if (high - low <= 4 * seqs.length + 64) {
      const wanted = new Set(seqs);
      for (const seq of s.closedRowsBetween.all(accountId, low, high) as number[]) if (wanted.has(seq)) closed.add(seq);
    } else {
      for (const seq of seqs) {
        const row = s.callAt.get(accountId, seq) as CallRow | undefined;
        if (!row || row.open_call === null) closed.add(seq);
      }
    }
    return closed;
  }

  private readonly refundCallTransaction = (refund: CallRefund, now: string): CallRefundResult => {
    const s = this.statements;
    const accountId = refund.usage.account_id;
    const row = s.callRow.get(accountId, refund.ref) as CallRow | undefined;
    const call = row && row.open_call !== null && this.callIsOpen(accountId, row) ? decodeCallRecord(accountId, refund.ref, row.open_call) : null;
    if (!call) return { outcome: 'settled' };
    if (refund.only_states && !refund.only_states.includes(call.state)) return { outcome: 'skipped', state: call.state, upstream_status: call.upstream_status };
    const accountRow = s.account.get(accountId) as Row | undefined;
    if (!accountRow) return { outcome: 'account_not_found' };
    s.closeCallAt.run(accountId, row!.seq);
    s.countClosedCalls.run(1, accountId);
    const account = toAccount(accountRow);
    const refundRef = callRefundRef(refund.ref);
    if (this.entryByRef(accountId, refundRef)) return { outcome: 'settled' };
    const keyRow = s.key.get(call.key_id) as Row | undefined;
    const key = keyRow && keyRow.account_id === accountId ? toKey(keyRow) : null;
    const spent = key ? releasedSpend(key, call.price_micros, Date.parse(now)) : null;
    if (key && spent !== null) s.addSpend.run(spent, key.spend_period_start, key.id);
    const { entry, crossed } = this.appendEntry(account, 'refund', call.price_micros, refund.reason, refundRef, now);
    this.usageTransaction([refundedUsage(refund.usage)]);
    return { outcome: 'refunded', entry, balance_micros: entry.balance_after_micros, crossed };
  };

  async refundCall(refund: CallRefund, now: string): Promise<CallRefundResult> {
    const result = this.immediate(this.refundCallTransaction, refund, now);
    if (result.outcome !== 'skipped') this.reservedCalls.remove(refund.ref);
    return result;
  }

  /**
   * Accounts with open calls (a scan of `accounts`: the embedded store serves one
   * deployment's accounts), then each one's ledger from the first sequence number that may
   * still be open; that bound moves up to the oldest call found open, so each pass reads
   * only what was reserved since the last. Watermarks of accounts with no open call left
   * are dropped, the bound moving past everything they covered.
   */
  private readonly openCallsTransaction = (reservedBeforeMs: number, limit: number): OpenCall[] => {
    const s = this.statements;
    s.passWatermarks.run();
    s.dropWatermarks.run();
    const calls: OpenCall[] = [];
    for (const { id, open_calls_from_seq: fromSeq } of s.accountsWithOpenCalls.all() as Array<{ id: string; open_calls_from_seq: number }>) {
      const watermarks = new Map(
        (s.watermarksOf.all(id) as Array<{ instance: number; settled_below_seq: number }>).map((row) => [row.instance, row.settled_below_seq]),
      );
      const rows = (s.openCallsOf.all(id, fromSeq) as CallRow[]).filter((row) => this.callIsOpen(id, row, fromSeq, watermarks));
      if (rows.length > 0 && rows[0]!.seq > fromSeq) s.advanceOpenCalls.run(rows[0]!.seq, id);
      for (const row of rows) {
        const call = decodeCallRecord(id, row.external_ref, row.open_call!);
        if (call && call.reserved_ms < reservedBeforeMs && calls.length < limit) calls.push(call);
      }
    }
    return calls.sort((a, b) => a.reserved_ms - b.reserved_ms);
  };

  async listOpenCalls(reservedBeforeMs: number, limit: number): Promise<OpenCall[]> {
    return this.immediate(this.openCallsTransaction, reservedBeforeMs, limit);
  }

  // Usage ----------------------------------------------------------------------------
  private readonly usageTransaction = (events: UsageEvent[]): void => {
    const s = this.statements;
    const realNow = Date.now();
    const expiresAt = realNow + USAGE_RETENTION_DAYS * 86_400_000;
    for (const sum of sumUsage(events)) s.addUsage.run({ ...sum, expires_at_ms: expiresAt });
    const accounts = new Set<string>();
    for (const event of keptUsageEvents(events)) {
      s.insertEvent.run(event.account_id, JSON.stringify(event));
      accounts.add(event.account_id);
    }
    for (const accountId of accounts) s.trimEvents.run(accountId, accountId, USAGE_EVENTS_KEPT);
    s.pruneUsage.run(realNow);
  };

  async recordUsage(events: UsageEvent[]): Promise<void> {
    if (events.length > 0) this.immediate(this.usageTransaction, events);
  }

  async getUsage(accountId: string, fromDay: string, toDay: string): Promise<UsageRow[]> {
    const rows = this.statements.usage.all(accountId, fromDay, toDay, Date.now()) as UsageRow[];
    return rows.map((row) => ({ ...row })).sort(compareUsageRows);
  }

  async listUsageEvents(accountId: string, limit: number): Promise<UsageEvent[]> {
    return (this.statements.events.all(accountId, limit) as Array<{ event: string }>).map((row) => JSON.parse(row.event) as UsageEvent);
  }

  // Top-ups --------------------------------------------------------------------------
  async createTopup(topup: Topup): Promise<Topup> {
    checkedTopupAmounts(topup);
    this.immediate(this.createTopupTransaction, topup);
    return (await this.getTopup(topup.id))!;
  }

  private readonly createTopupTransaction = (topup: Topup): void => {
    this.statements.insertTopup.run(topup);
    this.record(topup.account_id, topup.created_at, () => topupCreatedEvent(topup));
  };

  async getTopup(topupId: string): Promise<Topup | null> {
    const row = this.statements.topup.get(topupId) as Row | undefined;
    return row ? toTopup(row) : null;
  }

  async updateTopup(topupId: string, patch: Partial<Omit<Topup, 'id' | 'account_id'>>, audit?: ChangeAudit): Promise<Topup | null> {
    checkedTopupAmounts(patch);
    const columns = TOPUP_PATCH_COLUMNS.filter((column) => patch[column] !== undefined);
    if (columns.length > 0) this.immediate(this.updateTopupTransaction, topupId, patch, columns, audit);
    return this.getTopup(topupId);
  }

  private readonly updateTopupTransaction = (topupId: string, patch: Partial<Topup>, columns: string[], audit: ChangeAudit | undefined): void => {
    const assignments = columns.map((column) => `${column} = @${column}`).join(', ');
    const updated = this.cached(`UPDATE topups SET ${assignments} WHERE id = @id RETURNING account_id`).get({
      ...Object.fromEntries(columns.map((column) => [column, patch[column as keyof Topup]])),
      id: topupId,
    }) as { account_id: string } | undefined;
    if (!updated) return;
    const at = new Date().toISOString();
    this.record(updated.account_id, at, () => topupUpdatedEvent(updated.account_id, topupId, patch, at, audit));
  };

  private readonly completeTopupTransaction = (request: CompleteTopupRequest, now: string): CompleteTopupResult => {
    const s = this.statements;
    const topupRow = s.topup.get(request.topup_id) as Row | undefined;
    if (!topupRow) return { ok: false, reason: 'topup_not_found' };
    const topup = toTopup(topupRow);
    const accountRow = s.account.get(topup.account_id) as Row | undefined;
    if (!accountRow) return { ok: false, reason: 'account_not_found' };
    const account = toAccount(accountRow);
    const previous = this.entryByRef(account.id, request.credit.external_ref);
    if (!COMPLETABLE_TOPUP_STATUSES.has(topup.status)) {
      return { ok: true, applied: false, reason: 'already_completed', topup, entry: previous, balance_micros: account.balance_micros };
    }
    const complete = (entry: LedgerEntry) => {
      s.completeTopup.run({ id: topup.id, ledger_entry_id: entry.id, completed_at: entry.created_at, provider_ref: request.provider_ref ?? null });
      this.record(account.id, now, () => completeActivityEvent(topupCompletedHead(account.id, topup.id, request.provider_ref ?? null, now), entry.id));
    };
    if (previous) {
      complete(previous);
      return {
        ok: true,
        applied: false,
        reason: 'repaired',
        topup: toTopup(s.topup.get(topup.id) as Row),
        entry: previous,
        balance_micros: account.balance_micros,
      };
    }
    checkedMicros('the stored balance_micros', account.balance_micros, 0, MICROS_LIMIT);
    if (account.balance_micros + request.credit.amount_micros > this.maxBalanceMicros) {
      return { ok: false, reason: 'balance_limit_exceeded', balance_micros: account.balance_micros, limit_micros: this.maxBalanceMicros };
    }
    const { entry, crossed } = this.appendEntry(account, 'credit', request.credit.amount_micros, request.credit.reason, request.credit.external_ref, now);
    complete(entry);
    return { ok: true, applied: true, topup: toTopup(s.topup.get(topup.id) as Row), entry, balance_micros: entry.balance_after_micros, crossed };
  };

  async completeTopup(request: CompleteTopupRequest, now: string): Promise<CompleteTopupResult> {
    assertTopupCredit(request);
    return this.immediate(this.completeTopupTransaction, request, now);
  }

  // Payments ---------------------------------------------------------------------------
  private readonly claimStarsTransaction = (charge: StarsCharge): { claimed: boolean; charge: StarsCharge } => {
    const claimed = this.statements.insertStarsCharge.run(charge).changes > 0;
    const standing = claimed ? { ...charge } : this.starsChargeRow(charge.charge_id)!;
    // As the Redis adapter does: a report of the same charge by its owner writes the event again (PostgreSQL keeps it once).
    if (standing.account_id === charge.account_id && standing.topup_id === charge.topup_id) {
      this.record(standing.account_id, standing.created_at, () => starsChargeClaimedEvent(standing));
    }
    return { claimed, charge: standing };
  };

  async claimStarsCharge(charge: StarsCharge): Promise<{ claimed: boolean; charge: StarsCharge }> {
    return this.immediate(this.claimStarsTransaction, charge);
  }

  private starsChargeRow(chargeId: string): StarsCharge | null {
    const row = this.statements.starsCharge.get(chargeId) as StarsCharge | undefined;
    return row ? { charge_id: row.charge_id, account_id: row.account_id, topup_id: row.topup_id, created_at: row.created_at } : null;
  }

  async getStarsCharge(chargeId: string): Promise<StarsCharge | null> {
    return this.starsChargeRow(chargeId);
  }

  private readonly incidentTransaction = (incident: PaymentIncident): boolean => {
    if (this.statements.insertIncident.run(incident).changes === 0) return false;
    this.record(incident.account_id, incident.created_at, () => incidentRecordedEvent(incident));
    return true;
  };

  async recordPaymentIncident(incident: PaymentIncident): Promise<boolean> {
    return this.immediate(this.incidentTransaction, incident);
  }

  async listPaymentIncidents(limit: number): Promise<PaymentIncident[]> {
    return (this.statements.incidents.all(limit) as PaymentIncident[]).map((row) => ({
      id: row.id,
      kind: row.kind,
      account_id: row.account_id ?? null,
      topup_id: row.topup_id ?? null,
      detail: row.detail,
      created_at: row.created_at,
    }));
  }

  // Idempotency and de-duplication -----------------------------------------------------
  private readonly claimTransaction = (scope: string, key: string, fingerprint: string, ttlSeconds: number): IdempotentValue | null => {
    const now = Date.now();
    const row = this.statements.idempotent.get(scope, key, now) as { value: string } | undefined;
    if (row) return JSON.parse(row.value) as IdempotentValue;
    this.statements.saveIdempotent.run(scope, key, JSON.stringify({ state: 'pending', fingerprint }), now + ttlSeconds * 1000);
    return null;
  };

  async claimIdempotent(scope: string, key: string, fingerprint: string, ttlSeconds: number): Promise<IdempotentClaim | null> {
    const stored = this.immediate(this.claimTransaction, scope, key, fingerprint, ttlSeconds);
    if (stored === null) return null;
    return stored.state === 'pending' ? { state: 'pending' } : { state: 'done', fingerprint: stored.fingerprint, status: stored.status, body: stored.body };
  }

  async saveIdempotent(scope: string, key: string, fingerprint: string, status: number, body: string, ttlSeconds: number): Promise<void> {
    this.statements.saveIdempotent.run(scope, key, JSON.stringify({ state: 'done', fingerprint, status, body }), Date.now() + ttlSeconds * 1000);
  }

  async releaseIdempotent(scope: string, key: string): Promise<void> {
    this.statements.deleteIdempotent.run(scope, key);
  }

  async markSeen(namespace: string, id: string, ttlSeconds: number): Promise<boolean> {
    const now = Date.now();
    return this.statements.markSeen.run({ namespace, id, expires_at_ms: now + ttlSeconds * 1000, now }).changes > 0;
  }

  // Outbox -----------------------------------------------------------------------------
  async readOutbox(limit: number): Promise<OutboxBatch> {
    const rows = this.statements.readOutbox.all(limit) as Array<{ id: number; account_id: string; event: string }>;
    return { events: rows.map((row) => parseOutboxEvent(row.account_id, row.event)), receipt: rows.length === 0 ? '0' : String(rows.at(-1)!.id) };
  }

  async ackOutbox(receipt: string): Promise<void> {
    this.statements.ackOutbox.run(Number(receipt));
  }

  async outboxBacklog(): Promise<OutboxBacklog> {
    const row = this.statements.outboxBacklog.get() as { pending: number; oldest_at: string | null };
    return { pending: row.pending, oldest_at: row.oldest_at };
  }

  async trimLedger(): Promise<number> {
    return 0;
  }

  // Operations -----------------------------------------------------------------------
  async ping(): Promise<void> {
    this.statements.ping.get();
  }

  /** Accounts in the file, for the `kikuai_accounts` gauge (metrics.ts). Not part of the Store interface. */
  async countAccounts(): Promise<number> {
    return (this.db.prepare('SELECT count(*) AS n FROM accounts').get() as { n: number }).n;
  }

  async close(): Promise<void> {
    // Reservations still waiting for their commit are committed and answered first.
    if (this.db.open) this.reserves.flush();
    if (this.db.open) this.db.close();
  }
}

function migrate(db: Database.Database): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
  db.transaction(() => {
    const { version } = db.prepare('SELECT COALESCE(MAX(version), 0) AS version FROM schema_migrations').get() as { version: number };
    MIGRATIONS.slice(version).forEach((sql, index) => {
      db.exec(sql);
      db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(version + index + 1, new Date().toISOString());
    });
  }).immediate();
}

/** The per-call fields of a `perCallFields` row. */
function perCallFieldsOf(row: Row): PerCallFields {
  return {
    balance_micros: Number(row.balance_micros),
    low_balance_notified: Number(row.low_balance_notified) === 1,
    spent_micros: Number(row.spent_micros),
    spend_period_start: (row.spend_period_start as string | null) ?? null,
    last_used_at: (row.last_used_at as string | null) ?? null,
  };
}

/** Every fixed statement, prepared once per connection. */
function prepare(db: Database.Database) {
  return {
    ping: db.prepare('SELECT 1'),
    account: db.prepare('SELECT * FROM accounts WHERE id = ?'),
    accountByTelegramId: db.prepare('SELECT * FROM accounts WHERE telegram_id = ?'),
    insertAccount:
      db.prepare(`INSERT INTO accounts (id, telegram_id, username, first_name, last_name, language_code, status, suspended_reason, balance_micros, low_balance_threshold_micros, low_balance_notified, first_key_shown_in, created_at)
      VALUES (@id, @telegram_id, @username, @first_name, @last_name, @language_code, @status, @suspended_reason, @balance_micros, @low_balance_threshold_micros, @low_balance_notified, @first_key_shown_in, @created_at)`),
    setStatus: db.prepare('UPDATE accounts SET status = ?, suspended_reason = ? WHERE id = ?'),
    setThreshold: db.prepare('UPDATE accounts SET low_balance_threshold_micros = ?, low_balance_notified = 0 WHERE id = ?'),
    setLanguage: db.prepare('UPDATE accounts SET language_code = ? WHERE id = ?'),
    advanceAccount: db.prepare(`UPDATE accounts SET balance_micros = @balance_micros, low_balance_notified = @low_balance_notified, status = @status,
      suspended_reason = @suspended_reason, ledger_seq = ledger_seq + 1,
      open_calls_from_seq = CASE WHEN @opened = 1 AND open_calls = 0 THEN ledger_seq + 1 ELSE open_calls_from_seq END,
      open_calls = open_calls + @opened WHERE id = @id RETURNING ledger_seq`),
    key: db.prepare('SELECT * FROM api_keys WHERE id = ?'),
    perCallFields: db.prepare(`SELECT a.rev, a.balance_micros, a.low_balance_notified, k.spent_micros, k.spend_period_start, k.last_used_at
      FROM api_keys k JOIN accounts a ON a.id = k.account_id WHERE k.id = ?`),
    keysOfAccount: db.prepare('SELECT * FROM api_keys WHERE account_id = ? AND revoked_at IS NULL ORDER BY rowid'),
    countKeys: db.prepare('SELECT COUNT(*) AS count FROM api_keys WHERE account_id = ? AND revoked_at IS NULL'),
    insertKey:
      db.prepare(`INSERT INTO api_keys (id, account_id, name, prefix, last_four, hash, previous_hash, previous_hash_expires_at, enabled, revoked_at, expires_at, allowed_products, permissions, spend_limit_micros, spend_limit_period, spent_micros, spend_period_start, created_at, last_used_at)
      VALUES (@id, @account_id, @name, @prefix, @last_four, @hash, @previous_hash, @previous_hash_expires_at, @enabled, @revoked_at, @expires_at, @allowed_products, @permissions, @spend_limit_micros, @spend_limit_period, @spent_micros, @spend_period_start, @created_at, @last_used_at)`),
    insertKeyHash: db.prepare('INSERT INTO key_hashes (hash, account_id, key_id) VALUES (?, ?, ?)'),
    keyHash: db.prepare('SELECT account_id, key_id FROM key_hashes WHERE hash = ?'),
    revokeKey: db.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ?'),
    rotateKey: db.prepare(`UPDATE api_keys SET hash = @hash, prefix = @prefix, last_four = @last_four, previous_hash = @previous_hash,
      previous_hash_expires_at = @previous_hash_expires_at WHERE id = @id`),
    touchKey: db.prepare(
      'UPDATE api_keys SET last_used_at = @at WHERE id = @key_id AND account_id = @account_id AND (last_used_at IS NULL OR last_used_at < @at)',
    ),
    addSpend: db.prepare('UPDATE api_keys SET spent_micros = ?, spend_period_start = ? WHERE id = ?'),
    insertEntry:
      db.prepare(`INSERT INTO ledger (account_id, seq, id, kind, amount_micros, balance_after_micros, reason, external_ref, created_at, open_call, call_instance)
      VALUES (@account_id, @seq, @id, @kind, @amount_micros, @balance_after_micros, @reason, @external_ref, @created_at, @open_call, @call_instance)`),
    entryByRef: db.prepare('SELECT * FROM ledger WHERE account_id = ? AND external_ref = ?'),
    ledgerPage: db.prepare('SELECT * FROM ledger WHERE account_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?'),
    sumLedger: db.prepare('SELECT COALESCE(SUM(amount_micros), 0) AS total FROM ledger WHERE account_id = ?'),
    addUsage: db.prepare(`INSERT INTO usage_daily (account_id, day, product_id, key_id, requests, errors, cost_micros, latency_ms_total, expires_at_ms)
      VALUES (@account_id, @day, @product_id, @key_id, @requests, @errors, @cost_micros, @latency_ms_total, @expires_at_ms)
      ON CONFLICT (account_id, day, product_id, key_id) DO UPDATE SET requests = requests + excluded.requests, errors = errors + excluded.errors,
        cost_micros = cost_micros + excluded.cost_micros, latency_ms_total = latency_ms_total + excluded.latency_ms_total, expires_at_ms = excluded.expires_at_ms`),
    newInstance: db.prepare('INSERT INTO store_instances (opened_at) VALUES (?) RETURNING id'),
    callRow: db.prepare('SELECT seq, external_ref, open_call, call_instance FROM ledger WHERE account_id = ? AND external_ref = ?'),
    callAt: db.prepare('SELECT seq, external_ref, open_call, call_instance FROM ledger WHERE account_id = ? AND seq = ?'),
    closedRowsBetween: db.prepare('SELECT seq FROM ledger WHERE account_id = ? AND seq BETWEEN ? AND ? AND open_call IS NULL').pluck(),
    openCallsFrom: db.prepare('SELECT open_calls_from_seq FROM accounts WHERE id = ?').pluck(),
    watermark: db.prepare('SELECT settled_below_seq FROM call_watermarks WHERE account_id = ? AND instance = ?').pluck(),
    watermarksOf: db.prepare('SELECT instance, settled_below_seq FROM call_watermarks WHERE account_id = ?'),
    raiseWatermark: db.prepare(`INSERT INTO call_watermarks (account_id, instance, settled_below_seq) VALUES (@account_id, @instance, @seq)
      ON CONFLICT (account_id, instance) DO UPDATE SET settled_below_seq = MAX(settled_below_seq, excluded.settled_below_seq)`),
    passWatermarks: db.prepare(`UPDATE accounts SET open_calls_from_seq = ledger_seq + 1
      WHERE open_calls = 0 AND id IN (SELECT DISTINCT account_id FROM call_watermarks)`),
    dropWatermarks: db.prepare('DELETE FROM call_watermarks WHERE account_id IN (SELECT id FROM accounts WHERE open_calls = 0)'),
    closeCallAt: db.prepare('UPDATE ledger SET open_call = NULL WHERE account_id = ? AND seq = ?'),
    moveCall: db.prepare(`UPDATE ledger SET open_call = @segment || substr(open_call, instr(open_call, '|'))
      WHERE account_id = @account_id AND external_ref = @ref AND open_call IS NOT NULL`),
    countClosedCalls: db.prepare('UPDATE accounts SET open_calls = MAX(0, open_calls - ?) WHERE id = ?'),
    accountsWithOpenCalls: db.prepare('SELECT id, open_calls_from_seq FROM accounts WHERE open_calls > 0'),
    openCallsOf: db.prepare(
      'SELECT seq, external_ref, open_call, call_instance FROM ledger WHERE account_id = ? AND seq >= ? AND open_call IS NOT NULL ORDER BY seq',
    ),
    advanceOpenCalls: db.prepare('UPDATE accounts SET open_calls_from_seq = MAX(open_calls_from_seq, ?) WHERE id = ?'),
    pruneUsage: db.prepare('DELETE FROM usage_daily WHERE expires_at_ms < ?'),
    usage: db.prepare(`SELECT day, product_id, key_id, requests, errors, cost_micros, latency_ms_total FROM usage_daily
      WHERE account_id = ? AND day BETWEEN ? AND ? AND expires_at_ms >= ?`),
    insertEvent: db.prepare('INSERT INTO usage_events (account_id, event) VALUES (?, ?)'),
    trimEvents: db.prepare(
      'DELETE FROM usage_events WHERE account_id = ? AND id <= (SELECT id FROM usage_events WHERE account_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?)',
    ),
    events: db.prepare('SELECT event FROM usage_events WHERE account_id = ? ORDER BY id DESC LIMIT ?'),
    insertTopup:
      db.prepare(`INSERT INTO topups (id, account_id, method, amount_micros, stars, status, checkout_url, invoice_link, provider_ref, ledger_entry_id, created_at, completed_at)
      VALUES (@id, @account_id, @method, @amount_micros, @stars, @status, @checkout_url, @invoice_link, @provider_ref, @ledger_entry_id, @created_at, @completed_at)`),
    topup: db.prepare('SELECT * FROM topups WHERE id = ?'),
    completeTopup: db.prepare(`UPDATE topups SET status = 'completed', ledger_entry_id = @ledger_entry_id, completed_at = @completed_at,
      provider_ref = COALESCE(@provider_ref, provider_ref) WHERE id = @id`),
    insertStarsCharge: db.prepare(
      'INSERT INTO stars_charges (charge_id, account_id, topup_id, created_at) VALUES (@charge_id, @account_id, @topup_id, @created_at) ON CONFLICT (charge_id) DO NOTHING',
    ),
    starsCharge: db.prepare('SELECT * FROM stars_charges WHERE charge_id = ?'),
    insertIncident: db.prepare(`INSERT INTO payment_incidents (id, kind, account_id, topup_id, detail, created_at)
      VALUES (@id, @kind, @account_id, @topup_id, @detail, @created_at) ON CONFLICT (id) DO NOTHING`),
    incidents: db.prepare('SELECT * FROM payment_incidents ORDER BY rowid DESC LIMIT ?'),
    idempotent: db.prepare('SELECT value FROM idempotency WHERE scope = ? AND key = ? AND expires_at_ms > ?'),
    saveIdempotent: db.prepare('INSERT OR REPLACE INTO idempotency (scope, key, value, expires_at_ms) VALUES (?, ?, ?, ?)'),
    deleteIdempotent: db.prepare('DELETE FROM idempotency WHERE scope = ? AND key = ?'),
    insertOutbox: db.prepare('INSERT INTO outbox (account_id, at, event) VALUES (?, ?, ?)'),
    readOutbox: db.prepare('SELECT id, account_id, event FROM outbox ORDER BY id LIMIT ?'),
    ackOutbox: db.prepare('DELETE FROM outbox WHERE id <= ?'),
    outboxBacklog: db.prepare('SELECT count(*) AS pending, min(at) AS oldest_at FROM outbox'),
    markSeen: db.prepare(`INSERT INTO seen (namespace, id, expires_at_ms) VALUES (@namespace, @id, @expires_at_ms)
      ON CONFLICT (namespace, id) DO UPDATE SET expires_at_ms = excluded.expires_at_ms WHERE seen.expires_at_ms <= @now`),
  };
}
