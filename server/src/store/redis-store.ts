import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { newAccountId, newLedgerId } from './ids.js';
import {
  USAGE_EVENTS_KEPT,
  USAGE_RETENTION_DAYS,
  compareUsageRows,
  daysBetween,
  decodeLedgerCursor,
  encodeLedgerCursor,
  keyBucket,
  keptUsageEvents,
  periodStarts,
  sumUsage,
  usageDay,
  assertPageLimit,
  assertTopupCredit,
  callRefusal,
  checkedBalanceCeiling,
  checkedChange,
  checkedKeyAmounts,
  checkedMicros,
  checkedTopupAmounts,
  InvalidAmountError,
  MAX_CHANGE_MICROS,
  MICROS_LIMIT,
  callRefundRef,
  checkedRegisterOptions,
  signupCreditChange,
  callStateOf,
  callStateSegment,
  decodeCallRecord,
  encodeCallRecord,
  isErrorStatus,
  refundedUsage,
} from './logic.js';
import { isoToMs, newAccountFields, newKeyFields, parseOutboxEvent, storedPermissions, toAccount, toEntry, toKey, toTopup } from './records.js';
import * as scripts from './redis-scripts.js';
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
import { dailyHistoryPage, filteredLedgerPage, type LedgerWindowReader, type SequencedEntry } from './history.js';
import { AuthSnapshots, revisionTokens, withPerCallFields, type PerCallFields } from './auth-snapshots.js';
import type {
  OutboxBacklog,
  OutboxBatch,
  OutboxEvent,
  Account,
  AccountStatus,
  ApiKeyRecord,
  ChangeAudit,
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
  LedgerResult,
  LimitAccountRequest,
  LimitAccountResult,
  NewKey,
  OpenCall,
  Page,
  PaymentIncident,
  RateLimitRule,
  RateLimitState,
  RegisterOptions,
  RegisterResult,
  ReserveRequest,
  ReserveResult,
  RotatedSecret,
  SpendLimitPeriod,
  StarsCharge,
  Store,
  TelegramUser,
  Topup,
  UsageEvent,
  UsageRow,
} from './types.js';
import { PLAIN_REGISTRATION } from './types.js';

type Client = Redis | Cluster;
type Reply = string | number | null | Reply[];

/** How long a register claim on a Telegram id lives before another caller may take it over. */
const REGISTER_CLAIM_MS = 10_000;
const USAGE_EVENTS_PER_CALL = 1000;
const PENDING = 'pending:';
/**
 * How often an instance re-indexes an account it reserves calls for (`calls:accounts`), and
 * so how long after its last index write an account without open calls may leave the index.
 */
const CALL_INDEX_REFRESH_MS = 10 * 60_000;
const CALL_INDEX_CACHE_MAX = 100_000;
const SETTLEMENTS_PER_CALL = 1000;
/** Accounts one outbox read looks at (the index is scored by time: the least recently indexed first). */
const OUTBOX_ACCOUNTS_PER_READ = 1000;

const COMMANDS = {
  kikuaiApplyLedger: scripts.APPLY_LEDGER,
  kikuaiAuthorize: scripts.AUTHORIZE,
  kikuaiLimitAccount: scripts.LIMIT_ACCOUNT,
  kikuaiReserve: scripts.RESERVE,
  kikuaiCreateAccount: scripts.CREATE_ACCOUNT,
  kikuaiCreateKey: scripts.CREATE_KEY,
  kikuaiPatchHash: scripts.PATCH_HASH,
  kikuaiRevokeKey: scripts.REVOKE_KEY,
  kikuaiRotateKey: scripts.ROTATE_KEY,
  kikuaiTouchKey: scripts.TOUCH_KEY,
  kikuaiRecordUsage: scripts.RECORD_USAGE,
  kikuaiSettleCalls: scripts.SETTLE_CALLS,
  kikuaiRefundCall: scripts.REFUND_CALL,
  kikuaiUnindexCalls: scripts.UNINDEX_CALLS,
  kikuaiClaimIdempotent: scripts.CLAIM_IDEMPOTENT,
  kikuaiCompareAndSet: scripts.COMPARE_AND_SET,
  kikuaiCompleteTopup: scripts.COMPLETE_TOPUP,
  kikuaiAckOutbox: scripts.ACK_OUTBOX,
  kikuaiCreateTopup: scripts.CREATE_TOPUP,
  kikuaiRecordIncident: scripts.RECORD_INCIDENT,
  kikuaiTrimLedger: scripts.TRIM_LEDGER,
} as const;
type CommandName = keyof typeof COMMANDS;

export interface RedisStoreOptions {
  /** Prepended to every key; tests use a random one. Default `kikuai:`. */
  keyPrefix?: string;
  /** The balance ceiling: no change takes a balance above it (default $1,000,000; at most 10^15 micro-USD). */
  maxBalanceMicros?: number;
  /** A command with no answer after this long fails (the request answers 503). Default 1000 ms. */
  commandTimeoutMs?: number;
  /**
   * The URL names one node of a Redis Cluster (`REDIS_CLUSTER=true`): the store discovers the
   * others from it. Every script's keys share one account's hash tag, so each runs on one node.
   */
  cluster?: boolean;
  /** Write the outbox that PostgreSQL is fed from (`DATABASE_URL`); off: nothing is written for it. */
  outbox?: boolean;
}

/**
 * How the store's own connection meets an outage: fail fast, recover by itself.
 * - Commands never wait in ioredis' offline queue once the first connection was ready
 *   (`enableOfflineQueue` is turned off then): while Redis is down a request fails at
 *   once and answers 503, instead of queueing and being sent — charging — after its caller
 *   was already told it failed. Before the first connection the queue holds the commands
 *   of start-up.
 * - Commands in flight when the connection drops fail at once (`maxRetriesPerRequest: 0`)
 *   and are never re-sent (`autoResendUnfulfilledCommands: false`).
 * - A command with no answer within `commandTimeout` (a Redis that hangs) fails.
 * - Reconnection never stops: every 50 ms more per attempt, at most every 500 ms, so the
 *   API is back within half a second of Redis.
 */
function connectFailingFast(url: string, options: RedisStoreOptions): Client {
  const failFast = {
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    connectTimeout: 2000,
    commandTimeout: options.commandTimeoutMs ?? 1000,
    retryStrategy: (attempt: number) => Math.min(attempt * 50, 500),
  };
  const client: Client = options.cluster
    ? new Cluster([url], {
        enableAutoPipelining: true,
        // ioredis routes an auto-pipeline by the command's first argument, which for our
        // scripts is the key count, not a key: scripts go alone, routed by their keys.
        autoPipeliningIgnoredCommands: Object.keys(COMMANDS),
        clusterRetryStrategy: failFast.retryStrategy,
        // Credentials and TLS of the seed URL apply to every node the cluster names.
        redisOptions: { ...failFast, ...nodeOptionsOf(url) },
      })
    : new Redis(url, {
        enableAutoPipelining: true, // concurrent requests share one write to Redis (more throughput, no added latency)
        ...failFast,
      });
  client.once('ready', () => {
    client.options.enableOfflineQueue = false;
  });
  // Connection errors are seen by the commands (503) and by readiness; without a listener
  // ioredis prints each reconnection failure to stderr.
  client.on('error', () => undefined);
  return client;
}

/** What a node connection needs from a `redis[s]://user:password@host:port` URL besides its address. */
function nodeOptionsOf(url: string): RedisOptions {
  const parsed = new URL(url);
  return {
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

const flatToObject = (flat: Reply): Record<string, string> => {
  const object: Record<string, string> = {};
  const list = flat as string[];
  for (let i = 0; i < list.length; i += 2) object[list[i]!] = list[i + 1]!;
  return object;
};

/** Field/value pairs for HSET, leaving nulls out (an absent field is null). */
const toPairs = (fields: Record<string, string | number | null>): string[] =>
  Object.entries(fields).flatMap(([name, value]) => (value === null ? [] : [name, String(value)]));

/**
 * The Redis adapter. Key layout, scripts and retention: see README.md next to this file.
 * Scripts are registered with `defineCommand`, so ioredis sends EVALSHA and loads a script
 * only when Redis does not know it yet.
 */
export class RedisStore implements Store {
  readonly kind = 'redis' as const;
  readonly prefix: string;
  private readonly client: Client;
  private readonly ownsClient: boolean;
  /** Keys and accounts as last read, by revision: the hot path reads only per-call fields. */
  private readonly snapshots = new AuthSnapshots();
  /** A new revision for each change that scripts make to an account or its keys. */
  private readonly newRevision = revisionTokens();
  private readonly maxBalanceMicros: number;
  /** When this process last wrote each account into the open-calls index (`calls:accounts`). */
  private readonly callIndexWrites = new Map<string, number>();
  /** When this process last wrote each account into the outbox index (`outbox:accounts`); null: no outbox. */
  private readonly outboxIndexWrites: Map<string, number> | null;

  constructor(client: Client | string, options: RedisStoreOptions = {}) {
    this.maxBalanceMicros = checkedBalanceCeiling(options.maxBalanceMicros);
    this.outboxIndexWrites = options.outbox ? new Map() : null;
    this.ownsClient = typeof client === 'string';
    this.client = typeof client === 'string' ? connectFailingFast(client, options) : client;
    this.prefix = options.keyPrefix ?? 'kikuai:';
    for (const [name, lua] of Object.entries(COMMANDS)) {
      if (!(name in this.client)) this.client.defineCommand(name, { lua });
    }
  }

  private run(name: CommandName, keys: string[], args: Array<string | number>): Promise<Reply> {
    const command = (this.client as unknown as Record<CommandName, (...parameters: Array<string | number>) => Promise<Reply>>)[name];
    return command.call(this.client, keys.length, ...keys, ...args);
  }

  // Key names ------------------------------------------------------------------------
  private accountKey(accountId: string, part: string): string {
    return `${this.prefix}{${accountId}}:${part}`;
  }
  private global(part: string): string {
    return `${this.prefix}${part}`;
  }
  /** The account's outbox, or (no outbox) its account key, which tells the scripts to push nothing. */
  private outboxKey(accountId: string): string {
    return this.accountKey(accountId, this.outboxIndexWrites ? 'outbox' : 'account');
  }
  /** An activity event for the outbox, or '' (the scripts push nothing) when the store keeps none. */
  private event(encode: () => string): string {
    return this.outboxIndexWrites ? encode() : '';
  }
  /**
   * Events of no account (payment incidents that name none) are kept in the outbox of a
   * pseudo-account named after the incidents hash: its list's hash tag is that hash's name,
   * so on Redis Cluster both share one slot and one script writes both.
   */
  private get incidentsOutboxAccount(): string {
    return this.global('payment_incidents');
  }

  // Accounts -------------------------------------------------------------------------
  async register(user: TelegramUser, firstKey: NewKey, now: string, options: RegisterOptions = PLAIN_REGISTRATION): Promise<RegisterResult> {
    checkedKeyAmounts(firstKey);
    checkedRegisterOptions(options);
    const indexKey = this.global(`tg:${user.id}`);
    const deadline = Date.now() + REGISTER_CLAIM_MS * 2;
    for (let attempt = 0; Date.now() < deadline; attempt++) {
      const indexed = await this.client.get(indexKey);
      if (indexed !== null && !indexed.startsWith(PENDING)) {
        const account = await this.getAccount(indexed);
        if (account) return { account, created: false, first_key: null };
        throw new Error(`Telegram user ${user.id} is indexed to a missing account ${indexed}`);
      }
      if (indexed === null) {
        const created = await this.tryCreate(indexKey, user, firstKey, now, options);
        if (created) return created;
      }
      // Someone else holds the claim and is writing the account: wait for it.
      await sleep(Math.min(5 * 2 ** attempt, 100));
    }
    throw new Error(`Timed out registering Telegram user ${user.id}`);
  }

  /**
   * Claims the Telegram id (SET NX, with a TTL so a crashed claimer does not lock it forever),
   * then writes the account and its signup credit. Until the claim is made permanent the
   * account is reachable by nobody, so a crash before that leaves an orphan that no one can
   * use, and the next register starts over: the user's account always has its one credit.
   */
  private async tryCreate(indexKey: string, user: TelegramUser, firstKey: NewKey, now: string, options: RegisterOptions): Promise<RegisterResult | null> {
    const accountId = newAccountId();
    const claim = `${PENDING}${accountId}`;
    if ((await this.client.set(indexKey, claim, 'PX', REGISTER_CLAIM_MS, 'NX')) !== 'OK') return null;
    await this.client.set(this.global(`keyhash:${firstKey.hash}`), `${accountId}|${firstKey.id}`);
    const accountFields = toPairs({ ...newAccountFields(accountId, user, now, options), rev: this.newRevision() });
    const storedKey = newKeyFields(accountId, firstKey, now);
    const keyFields = toPairs(this.keyFieldsWithInstants(storedKey));
    const written = [this.accountKey(accountId, 'account'), this.accountKey(accountId, 'keys'), this.accountKey(accountId, `key:${firstKey.id}`)];
    const events = this.outboxIndexWrites ? registrationEvents(accountId, user, storedKey, now, options) : [];
    await this.indexOutbox(accountId);
    await this.run(
      'kikuaiCreateAccount',
      [...written, this.outboxKey(accountId)],
      [events.length, ...events, accountFields.length, ...accountFields, ...keyFields],
    );
    // A claimer that lost its claim deletes the events of the account it wrote too.
    if (this.outboxIndexWrites) written.push(this.outboxKey(accountId));
    const credit = signupCreditChange(accountId, user.id, options);
    if (credit) {
      written.push(this.accountKey(accountId, 'ledger'), this.accountKey(accountId, 'ledger_refs'));
      const result = await this.applyLedger(credit, now);
      if (!result.ok) {
        await this.client.del(...written);
        throw new Error(`The signup credit was refused: ${result.reason}`);
      }
    }
    // The claim becomes permanent only if it is still ours (it may have expired while we wrote).
    if ((await this.run('kikuaiCompareAndSet', [indexKey], [claim, accountId])) !== 1) {
      await this.client.del(...written);
      return null;
    }
    // The count behind the `kikuai_accounts` gauge (metrics.ts); not part of the account's change.
    await this.client.incr(this.global('accounts:count'));
    const account = await this.getAccount(accountId);
    const key = await this.getKey(accountId, firstKey.id);
    return { account: account!, created: true, first_key: key };
  }

  async getAccount(accountId: string): Promise<Account | null> {
    const hash = await this.client.hgetall(this.accountKey(accountId, 'account'));
    return hash.id ? toAccount(hash) : null;
  }

  async getAccountByTelegramId(telegramId: number): Promise<Account | null> {
    const indexed = await this.client.get(this.global(`tg:${telegramId}`));
    if (indexed === null || indexed.startsWith(PENDING)) return null;
    return this.getAccount(indexed);
  }

  async setAccountStatus(accountId: string, status: AccountStatus, reason: string | null, audit?: ChangeAudit): Promise<Account | null> {
    const set: Record<string, string | null> = { status, suspended_reason: reason };
    await this.indexOutbox(accountId);
    return this.patchAccount(accountId, set, {
      outbox: this.outboxKey(accountId),
      event: this.event(() => accountStatusEvent(accountId, status, reason, new Date().toISOString(), audit)),
    });
  }

  async setLowBalanceThreshold(accountId: string, thresholdMicros: number | null): Promise<Account | null> {
    if (thresholdMicros !== null) checkedMicros('low_balance_threshold_micros', thresholdMicros, 0, MICROS_LIMIT);
    // A new threshold starts a fresh notification cycle.
    return this.patchAccount(accountId, { low_balance_threshold_micros: thresholdMicros, low_balance_notified: '0' });
  }

  async setLanguage(accountId: string, languageCode: string | null): Promise<Account | null> {
    return this.patchAccount(accountId, { language_code: languageCode });
  }

  private async patchAccount(accountId: string, fields: Record<string, string | number | null>, recorded?: PatchEvent): Promise<Account | null> {
    const accountKey = this.accountKey(accountId, 'account');
    const flat = await this.patch(accountKey, '', fields, accountKey, recorded);
    return flat ? toAccount(flat) : null;
  }

  /**
   * `revisedAccount`: the account hash whose revision the change bumps (account and key fields).
   * `recorded`: the outbox event the change writes (the caller indexed the outbox first).
   */
  private async patch(
    key: string,
    guardField: string,
    fields: Record<string, string | number | null>,
    revisedAccount?: string,
    recorded?: PatchEvent,
  ): Promise<Record<string, string> | null> {
    const set = toPairs(fields);
    const unset = Object.entries(fields)
      .filter(([, value]) => value === null)
      .map(([name]) => name);
    const event = recorded?.event ?? '';
    const reply = await this.run(
      'kikuaiPatchHash',
      [key, revisedAccount ?? key, event ? recorded!.outbox : key],
      [revisedAccount ? this.newRevision() : '', guardField, event, recorded?.completeWithKey ? 'key' : '', set.length / 2, ...set, ...unset],
    );
    return reply ? flatToObject(reply) : null;
  }

  // Keys -----------------------------------------------------------------------------
  async findKeyByHash(hash: string): Promise<{ account_id: string; key_id: string } | null> {
    const value = await this.client.get(this.global(`keyhash:${hash}`));
    if (value === null) return null;
    const [account_id, key_id] = value.split('|') as [string, string];
    return { account_id, key_id };
  }

  async createKey(accountId: string, key: NewKey, maxKeys: number, now: string): Promise<CreateKeyResult> {
    checkedKeyAmounts(key);
    // The index goes first: it lives in another slot, and an index to a key that was
    // never written is harmless (authorize finds no key), while the reverse would not be.
    const indexKey = this.global(`keyhash:${key.hash}`);
    await this.client.set(indexKey, `${accountId}|${key.id}`);
    const stored = newKeyFields(accountId, key, now);
    const fields = toPairs(this.keyFieldsWithInstants(stored));
    await this.indexOutbox(accountId);
    const result = (await this.run(
      'kikuaiCreateKey',
      [this.accountKey(accountId, 'account'), this.accountKey(accountId, 'keys'), this.accountKey(accountId, `key:${key.id}`), this.outboxKey(accountId)],
      [maxKeys, this.newRevision(), this.event(() => keyCreatedEvent(accountId, stored, now)), ...fields],
    )) as string;
    if (result !== 'ok') {
      await this.client.del(indexKey);
      return { ok: false, reason: result as Extract<CreateKeyResult, { ok: false }>['reason'] };
    }
    return { ok: true, key: (await this.getKey(accountId, key.id))! };
  }

  /** Adds the epoch-ms twins of instants that the scripts compare against `now_ms`. */
  private keyFieldsWithInstants(fields: Record<string, string | number | null>): Record<string, string | number | null> {
    const withInstants = { ...fields };
    if ('expires_at' in fields) withInstants.expires_ms = isoToMs(fields.expires_at as string | null);
    return withInstants;
  }

  async listKeys(accountId: string): Promise<ApiKeyRecord[]> {
    const ids = await this.client.zrange(this.accountKey(accountId, 'keys'), 0, -1);
    if (ids.length === 0) return [];
    const pipeline = this.client.pipeline();
    for (const id of ids) pipeline.hgetall(this.accountKey(accountId, `key:${id}`));
    const replies = (await pipeline.exec()) ?? [];
    return replies
      .map(([error, hash]) => {
        if (error) throw error;
        return hash as Record<string, string>;
      })
      .filter((hash) => hash.id && !hash.revoked_at)
      .map(toKey);
  }

  async getKey(accountId: string, keyId: string): Promise<ApiKeyRecord | null> {
    const hash = await this.client.hgetall(this.accountKey(accountId, `key:${keyId}`));
    return hash.id && !hash.revoked_at ? toKey(hash) : null;
  }

  async updateKey(accountId: string, keyId: string, patch: KeyPatch): Promise<ApiKeyRecord | null> {
    checkedKeyAmounts(patch);
    const fields: Record<string, string | number | null> = {};
    if (patch.name !== undefined) fields.name = patch.name;
    if (patch.enabled !== undefined) fields.enabled = patch.enabled ? '1' : '0';
    if (patch.expires_at !== undefined) fields.expires_at = patch.expires_at;
    if (patch.allowed_products !== undefined) fields.allowed_products = patch.allowed_products ? JSON.stringify(patch.allowed_products) : null;
    if (patch.permissions !== undefined) fields.permissions = storedPermissions(patch.permissions);
    if (patch.spend_limit_micros !== undefined) fields.spend_limit_micros = patch.spend_limit_micros;
    if (patch.spend_limit_period !== undefined) fields.spend_limit_period = patch.spend_limit_period;
    const changed = Object.keys(fields);
    await this.indexOutbox(accountId);
    const flat = await this.patch(
      this.accountKey(accountId, `key:${keyId}`),
      'revoked_at',
      this.keyFieldsWithInstants(fields),
      this.accountKey(accountId, 'account'),
      {
        outbox: this.outboxKey(accountId),
        event: changed.length > 0 ? this.event(() => keyChangeHead(accountId, keyId, 'updated', new Date().toISOString(), { changed })) : '',
        completeWithKey: true,
      },
    );
    return flat ? toKey(flat) : null;
  }

  async revokeKey(accountId: string, keyId: string, now: string): Promise<ApiKeyRecord | null> {
    await this.indexOutbox(accountId);
    const reply = await this.run(
      'kikuaiRevokeKey',
      [
        this.accountKey(accountId, `key:${keyId}`),
        this.accountKey(accountId, 'keys'),
        this.accountKey(accountId, 'account'),
        this.accountKey(accountId, 'rl'),
        this.outboxKey(accountId),
      ],
      [now, keyBucket(keyId), this.newRevision(), this.event(() => keyChangeHead(accountId, keyId, 'revoked', now))],
    );
    return reply ? toKey(flatToObject(reply)) : null;
  }

  async rotateKey(accountId: string, keyId: string, newKey: RotatedSecret, previousExpiresAt: string | null): Promise<ApiKeyRecord | null> {
    const keyName = this.accountKey(accountId, `key:${keyId}`);
    if (!(await this.getKey(accountId, keyId))) return null;
    await this.client.set(this.global(`keyhash:${newKey.hash}`), `${accountId}|${keyId}`);
    await this.indexOutbox(accountId);
    const reply = await this.run(
      'kikuaiRotateKey',
      [keyName, this.accountKey(accountId, 'account'), this.outboxKey(accountId)],
      [
        newKey.hash,
        newKey.prefix,
        newKey.last_four,
        previousExpiresAt ?? '',
        previousExpiresAt === null ? '' : String(isoToMs(previousExpiresAt)),
        this.newRevision(),
        this.event(() => keyChangeHead(accountId, keyId, 'rotated', new Date().toISOString(), { previous_secret_valid_until: previousExpiresAt })),
      ],
    );
    return reply ? toKey(flatToObject(reply)) : null;
  }

  async touchKeys(uses: Array<{ account_id: string; key_id: string; at: string }>): Promise<void> {
    if (uses.length === 0) return;
    // One command per key, sent together (auto-pipelining writes them at once), not as one
    // pipeline: on Redis Cluster a pipeline must stay on one node, and these accounts need not.
    await Promise.all(uses.map((use) => this.run('kikuaiTouchKey', [this.accountKey(use.account_id, `key:${use.key_id}`)], [use.at])));
  }

  /** The account's rate windows (one hash: see rate_check in redis-scripts.ts) and the rules as script arguments. */
  private rateLimits(accountId: string, rules: RateLimitRule[]): { key: string; args: Array<string | number> } {
    const args: Array<string | number> = [rules.length];
    for (const rule of rules) args.push(rule.bucket, rule.limit, rule.window_ms);
    return { key: this.accountKey(accountId, 'rl'), args };
  }

  async authorize(request: AuthorizeRequest): Promise<AuthorizeResult> {
    const { account_id: accountId } = request;
    const limits = this.rateLimits(accountId, request.rate_limits);
    const snapshot = this.snapshots.usable(accountId, request.key_id, request.hash, request.now_ms);
    const reply = (await this.run(
      'kikuaiAuthorize',
      [this.accountKey(accountId, 'account'), this.accountKey(accountId, `key:${request.key_id}`), limits.key],
      [request.hash, request.now_ms, snapshot?.rev ?? '', ...limits.args],
    )) as Reply[];
    const refused = this.authRefusal(reply, request.rate_limits, request.key_id);
    if (refused) return refused;
    if (reply[0] === 'current') {
      const records = withPerCallFields(snapshot!, perCallFields(reply, 1));
      return { ok: true, ...records, rate_limits: rateStates(request.rate_limits, reply[6]!) };
    }
    const account = toAccount(flatToObject(reply[1]!));
    const key = toKey(flatToObject(reply[2]!));
    this.snapshots.remember(String(reply[4]), account, key);
    return { ok: true, account, key, rate_limits: rateStates(request.rate_limits, reply[3]!) };
  }

  async limitAccount(request: LimitAccountRequest): Promise<LimitAccountResult> {
    const limits = this.rateLimits(request.account_id, request.rate_limits);
    const reply = (await this.run(
      'kikuaiLimitAccount',
      [this.accountKey(request.account_id, 'account'), limits.key],
      [request.now_ms, ...limits.args],
    )) as Reply[];
    if (reply[0] === 'refused') return { ok: false, reason: 'account_not_found' };
    const refused = this.authRefusal(reply, request.rate_limits);
    if (refused) return refused as Extract<LimitAccountResult, { reason: 'rate_limited' }>;
    return { ok: true, account: toAccount(flatToObject(reply[1]!)), rate_limits: rateStates(request.rate_limits, reply[2]!) };
  }

  /** A refusal of the key or the rate limits, or null. A refused key's snapshot is dropped (`keyId`). */
  private authRefusal(reply: Reply[], rules: RateLimitRule[], keyId?: string): Extract<AuthorizeResult, { ok: false }> | null {
    if (reply[0] === 'refused') {
      if (keyId) this.snapshots.forget(keyId);
      return { ok: false, reason: reply[1] as Extract<AuthorizeResult, { ok: false; reason: string }>['reason'] as never };
    }
    if (reply[0] === 'rate_limited') {
      const states = rateStates(rules, reply[2]!);
      return { ok: false, reason: 'rate_limited', rate_limit: states[Number(reply[1]) - 1]!, rate_limits: states };
    }
    return null;
  }

  // Ledger ---------------------------------------------------------------------------
  async applyLedger(change: LedgerChange, now: string): Promise<LedgerResult> {
    const accountId = change.account_id;
    const keys = [
      this.accountKey(accountId, 'account'),
      this.accountKey(accountId, 'ledger'),
      this.accountKey(accountId, 'ledger_refs'),
      this.outboxKey(accountId),
    ];
    checkedChange(change.amount_micros);
    const args: Array<string | number> = [
      change.kind,
      change.amount_micros,
      change.reason,
      change.external_ref ?? '',
      newLedgerId(),
      now,
      change.on_insufficient ?? 'reject',
      this.maxBalanceMicros,
      this.newRevision(),
    ];
    if (change.key_id && change.kind === 'refund') {
      const starts = periodStarts(Date.parse(now));
      keys.push(this.accountKey(accountId, `key:${change.key_id}`));
      args.push(starts.daily, starts.weekly, starts.monthly);
    }
    await this.indexOutbox(accountId);
    const reply = (await this.run('kikuaiApplyLedger', keys, args)) as string[];
    switch (reply[0]) {
      case 'invalid':
        throw new InvalidAmountError(`The ledger change was refused: its ${reply[1]} is not an integer within bounds`);
      case 'not_found':
        return { ok: false, reason: 'account_not_found' };
      case 'insufficient':
        return { ok: false, reason: 'insufficient_funds', balance_micros: Number(reply[1]) };
      case 'balance_limit':
        return { ok: false, reason: 'balance_limit_exceeded', balance_micros: Number(reply[1]), limit_micros: Number(reply[2]) };
      case 'duplicate':
        return { ok: true, applied: false, entry: parseEntry(accountId, reply[1]!), balance_micros: Number(reply[2]), crossed: null };
      default: {
        const shortfall = Number(reply[4]);
        return {
          ok: true,
          applied: true,
          entry: parseEntry(accountId, reply[1]!),
          balance_micros: Number(reply[2]),
          crossed: (reply[3] || null) as BalanceCrossing | null,
          ...(shortfall > 0 ? { shortfall_micros: shortfall } : {}),
        };
      }
    }
  }

  async listLedger(accountId: string, options: { limit: number; cursor?: string | null }): Promise<Page<LedgerEntry>> {
    assertPageLimit(options.limit);
    const max = options.cursor ? `(${decodeLedgerCursor(options.cursor)}` : '+inf';
    const flat = await this.client.zrevrangebyscore(this.accountKey(accountId, 'ledger'), max, '-inf', 'WITHSCORES', 'LIMIT', 0, options.limit + 1);
    const items: LedgerEntry[] = [];
    let lastSequence = 0;
    for (let i = 0; i < flat.length && items.length < options.limit; i += 2) {
      items.push(parseEntry(accountId, flat[i]!));
      lastSequence = Number(flat[i + 1]);
    }
    const more = flat.length / 2 > options.limit;
    return { items, next_cursor: more ? encodeLedgerCursor(lastSequence) : null };
  }

  async listDailyHistory(accountId: string, options: { limit: number; cursor?: string | null }): Promise<Page<DailyHistoryItem>> {
    return dailyHistoryPage(this.ledgerWindowOf(accountId), options);
  }

  async filterLedger(accountId: string, filter: LedgerFilter): Promise<Page<LedgerEntry>> {
    return filteredLedgerPage(this.ledgerWindowOf(accountId), filter);
  }

  /** One ZREVRANGEBYSCORE (O(log n + count)) per window. */
  private ledgerWindowOf(accountId: string): LedgerWindowReader {
    return async (beforeSeq, count) => {
      const flat = await this.client.zrevrangebyscore(this.accountKey(accountId, 'ledger'), `(${beforeSeq}`, '-inf', 'WITHSCORES', 'LIMIT', 0, count);
      const rows: SequencedEntry[] = [];
      for (let i = 0; i < flat.length; i += 2) rows.push({ seq: Number(flat[i + 1]), entry: parseEntry(accountId, flat[i]!) });
      return rows;
    };
  }

  async sumLedger(accountId: string): Promise<number> {
    const entries = await this.client.zrange(this.accountKey(accountId, 'ledger'), 0, -1);
    return entries.reduce((sum, raw) => sum + parseEntry(accountId, raw).amount_micros, 0);
  }

  async findLedgerEntry(accountId: string, externalRef: string): Promise<LedgerEntry | null> {
    if (!externalRef) return null;
    // Entries are never rewritten: the ref → seq mapping and the entry can be read apart.
    const seq = await this.client.hget(this.accountKey(accountId, 'ledger_refs'), externalRef);
    if (seq === null) return null;
    // An entry past the ledger's retention is kept in its reference's place (TRIM_LEDGER).
    if (seq.startsWith('{')) return parseEntry(accountId, seq);
    const [raw] = await this.client.zrangebyscore(this.accountKey(accountId, 'ledger'), seq, seq);
    return raw ? parseEntry(accountId, raw) : null;
  }

  // Proxy ----------------------------------------------------------------------------
  async reserve(request: ReserveRequest, now: string): Promise<ReserveResult> {
    const { account_id: accountId } = request;
    checkedMicros('price_micros', request.price_micros, 0, MAX_CHANGE_MICROS);
    const limits = this.rateLimits(accountId, request.rate_limits);
    const periodArgs = periodArguments(request.now_ms);
    const snapshot = this.snapshots.usable(accountId, request.key_id, request.hash, request.now_ms);
    const entryId = newLedgerId();
    const indexing = this.indexOpenCalls(accountId, request.now_ms);
    const outboxIndexing = this.indexOutbox(accountId);
    if (indexing) await indexing;
    if (outboxIndexing) await outboxIndexing;
    const reply = (await this.run(
      'kikuaiReserve',
      [
        this.accountKey(accountId, 'account'),
        this.accountKey(accountId, `key:${request.key_id}`),
        this.accountKey(accountId, 'ledger'),
        this.accountKey(accountId, 'ledger_refs'),
        limits.key,
        this.accountKey(accountId, 'calls'),
        this.outboxKey(accountId),
      ],
      [
        request.hash,
        request.now_ms,
        request.product_id,
        request.price_micros,
        request.external_ref,
        request.reason,
        entryId,
        now,
        ...periodArgs,
        snapshot?.rev ?? '',
        snapshot ? (callRefusal(snapshot.key, request.product_id) ?? '1') : '',
        // The entry, encoded here but for the balance after (the script appends it).
        `${JSON.stringify({ id: entryId, kind: 'debit', amount_micros: String(-request.price_micros), reason: request.reason, external_ref: request.external_ref, created_at: now }).slice(0, -1)},"balance_after_micros":"`,
        ...limits.args,
        encodeCallRecord({
          state: 'reserved',
          upstream_status: null,
          reserved_ms: request.now_ms,
          price_micros: request.price_micros,
          key_id: request.key_id,
          product_id: request.product_id,
          endpoint: request.endpoint ?? '',
        }),
      ],
    )) as Reply[];
    const refused = this.authRefusal(reply, request.rate_limits, request.key_id);
    if (refused) return refused;
    switch (reply[0]) {
      case 'product_not_allowed':
      case 'permission_denied':
        return { ok: false, reason: reply[0] };
      case 'spend_limit':
        return {
          ok: false,
          reason: 'spend_limit_reached',
          limit_micros: Number(reply[1]),
          spent_micros: Number(reply[2]),
          period: (reply[3] || null) as SpendLimitPeriod | null,
        };
      case 'insufficient':
        return { ok: false, reason: 'insufficient_funds', balance_micros: Number(reply[1]), price_micros: request.price_micros };
      case 'current': {
        const fields = perCallFields(reply, 1);
        const entry: LedgerEntry = {
          id: entryId,
          account_id: accountId,
          kind: 'debit',
          amount_micros: -request.price_micros,
          balance_after_micros: fields.balance_micros,
          reason: request.reason,
          external_ref: request.external_ref,
          created_at: now,
        };
        return {
          ok: true,
          ...withPerCallFields(snapshot!, fields),
          entry,
          balance_micros: fields.balance_micros,
          crossed: (reply[6] || null) as BalanceCrossing | null,
          rate_limits: rateStates(request.rate_limits, reply[7]!),
        };
      }
      default: {
        const account = toAccount(flatToObject(reply[2]!));
        const key = toKey(flatToObject(reply[3]!));
        this.snapshots.remember(String(reply[6]), account, key);
        return {
          ok: true,
          account,
          key,
          entry: parseEntry(accountId, reply[1] as string),
          balance_micros: account.balance_micros,
          crossed: (reply[4] || null) as BalanceCrossing | null,
          rate_limits: rateStates(request.rate_limits, reply[5]!),
        };
      }
    }
  }

  /**
   * The reconciler finds open calls through a global index of accounts (`calls:accounts`,
   * scored by the last index write): written here, before the reserve, once per account
   * every CALL_INDEX_REFRESH_MS per instance — not per call. It lives in its own slot, so
   * it cannot be written inside RESERVE on Redis Cluster.
   */
  private indexOpenCalls(accountId: string, nowMs: number): Promise<void> | null {
    const last = this.callIndexWrites.get(accountId);
    if (last !== undefined && nowMs - last < CALL_INDEX_REFRESH_MS && nowMs >= last) return null;
    return this.client.zadd(this.global('calls:accounts'), 'GT', nowMs, accountId).then(() => {
      if (this.callIndexWrites.size >= CALL_INDEX_CACHE_MAX) this.callIndexWrites.clear();
      this.callIndexWrites.set(accountId, nowMs);
    });
  }

  /**
   * The outbox drain finds accounts with events through a global index (`outbox:accounts`),
   * written before the script that pushes an event, once per account every
   * CALL_INDEX_REFRESH_MS per instance, as `indexOpenCalls` does (and for the same reason).
   */
  private indexOutbox(accountId: string, nowMs = Date.now()): Promise<void> | null {
    const writes = this.outboxIndexWrites;
    if (!writes) return null;
    const last = writes.get(accountId);
    if (last !== undefined && nowMs - last < CALL_INDEX_REFRESH_MS && nowMs >= last) return null;
    return this.client.zadd(this.global('outbox:accounts'), 'GT', nowMs, accountId).then(() => {
      if (writes.size >= CALL_INDEX_CACHE_MAX) writes.clear();
      writes.set(accountId, nowMs);
    });
  }

  async settleCalls(transitions: CallTransition[], settlements: CallSettlement[]): Promise<void> {
    if (transitions.length === 0 && settlements.length === 0) return;
    // One script per account and usage day (all its keys share the account's slot).
    const groups = new Map<string, { accountId: string; day: string; transitions: string[]; settlements: Array<Array<string | number>> }>();
    const group = (accountId: string, day: string) => {
      const id = `${accountId}|${day}`;
      let found = groups.get(id);
      if (!found) groups.set(id, (found = { accountId, day, transitions: [], settlements: [] }));
      return found;
    };
    const today = new Date().toISOString().slice(0, 10);
    for (const transition of transitions) {
      group(transition.account_id, today).transitions.push(transition.ref, callStateSegment(transition.state, transition.upstream_status));
    }
    for (const { ref, usage } of settlements) {
      group(usage.account_id, usageDay(usage.at)).settlements.push([
        ref,
        `${usage.product_id}|${usage.key_id}|`,
        usage.cost_micros,
        isErrorStatus(usage.upstream_status) ? 1 : 0,
        usage.latency_ms,
        JSON.stringify(usage),
      ]);
    }
    // Sent together, not as one MULTI/pipeline: on Redis Cluster each account's script goes to
    // its own node. A batch that fails part-way is retried whole, which is harmless: a
    // settled call's reservation is gone, so its usage is never written twice.
    const scripts: Array<Promise<Reply>> = [];
    for (const { accountId, day, transitions: changes, settlements: settled } of groups.values()) {
      // Bounded work per script; the first one also carries the state changes.
      for (let start = 0; start === 0 || start < settled.length; start += SETTLEMENTS_PER_CALL) {
        const part = settled.slice(start, start + SETTLEMENTS_PER_CALL);
        const stateChanges = start === 0 ? changes : [];
        scripts.push(
          this.run(
            'kikuaiSettleCalls',
            [this.accountKey(accountId, 'calls'), this.accountKey(accountId, `usage:${day}`), this.accountKey(accountId, 'events')],
            [USAGE_RETENTION_DAYS * 86_400, USAGE_EVENTS_KEPT, stateChanges.length / 2, ...stateChanges, part.length, ...part.flat()],
          ),
        );
      }
    }
    await Promise.all(scripts);
  }

  async refundCall(refund: CallRefund, now: string): Promise<CallRefundResult> {
    const { usage } = refund;
    const accountId = usage.account_id;
    const starts = periodStarts(Date.parse(now));
    await this.indexOutbox(accountId);
    const reply = (await this.run(
      'kikuaiRefundCall',
      [
        this.accountKey(accountId, 'account'),
        this.accountKey(accountId, 'ledger'),
        this.accountKey(accountId, 'ledger_refs'),
        this.accountKey(accountId, 'calls'),
        this.accountKey(accountId, `usage:${usageDay(usage.at)}`),
        this.accountKey(accountId, 'events'),
        this.accountKey(accountId, `key:${usage.key_id}`),
        this.outboxKey(accountId),
      ],
      [
        refund.ref,
        callRefundRef(refund.ref),
        refund.reason,
        newLedgerId(),
        now,
        (refund.only_states ?? []).map((state) => callStateSegment(state, null)).join(''),
        starts.daily,
        starts.weekly,
        starts.monthly,
        USAGE_RETENTION_DAYS * 86_400,
        USAGE_EVENTS_KEPT,
        `${usage.product_id}|${usage.key_id}|`,
        usage.latency_ms,
        JSON.stringify(refundedUsage(usage)),
      ],
    )) as string[];
    switch (reply[0]) {
      case 'refunded':
        return {
          outcome: 'refunded',
          entry: parseEntry(accountId, reply[1]!),
          balance_micros: Number(reply[2]),
          crossed: (reply[3] || null) as BalanceCrossing | null,
        };
      case 'skipped': {
        const segment = reply[1]!;
        return { outcome: 'skipped', state: callStateOf(segment)!, upstream_status: segment.length > 1 ? Number(segment.slice(1)) : null };
      }
      case 'not_found':
        return { outcome: 'account_not_found' };
      default:
        return { outcome: 'settled' };
    }
  }

  async listOpenCalls(reservedBeforeMs: number, limit: number): Promise<OpenCall[]> {
    const index = this.global('calls:accounts');
    const calls: OpenCall[] = [];
    const PAGE = 500;
    for (let offset = 0; calls.length < limit; offset += PAGE) {
      const flat = await this.client.zrange(index, 0, '+inf', 'BYSCORE', 'LIMIT', offset, PAGE, 'WITHSCORES');
      if (flat.length === 0) break;
      // One HGETALL per account, sent together (each in its own slot on Cluster).
      const hashes = await Promise.all(Array.from({ length: flat.length / 2 }, (_, n) => this.client.hgetall(this.accountKey(flat[n * 2]!, 'calls'))));
      for (let i = 0; i < flat.length; i += 2) {
        const accountId = flat[i]!;
        const open = Object.entries(hashes[i / 2]!);
        if (open.length === 0) {
          // No open call, and no instance indexed the account lately: every call reserved
          // under this index write is settled, and a later reserve re-indexes it first.
          if (Number(flat[i + 1]) < reservedBeforeMs - CALL_INDEX_REFRESH_MS) await this.run('kikuaiUnindexCalls', [index], [accountId, flat[i + 1]!]);
          continue;
        }
        for (const [ref, value] of open) {
          const call = decodeCallRecord(accountId, ref, value);
          if (call && call.reserved_ms < reservedBeforeMs && calls.length < limit) calls.push(call);
        }
      }
      if (flat.length < PAGE * 2) break;
    }
    return calls;
  }

  // Usage ----------------------------------------------------------------------------
  async recordUsage(events: UsageEvent[]): Promise<void> {
    if (events.length === 0) return;
    // One script per account and day: the day's sums are added up here first, and only
    // the events the account's list would keep are sent.
    const groups = new Map<string, { account_id: string; day: string; increments: Array<string | number>; raw: string[] }>();
    const group = (accountId: string, day: string) => {
      const id = `${accountId}|${day}`;
      let found = groups.get(id);
      if (!found) groups.set(id, (found = { account_id: accountId, day, increments: [], raw: [] }));
      return found;
    };
    for (const sum of sumUsage(events)) {
      const field = `${sum.product_id}|${sum.key_id}|`;
      group(sum.account_id, sum.day).increments.push(
        `${field}requests`,
        sum.requests,
        `${field}errors`,
        sum.errors,
        `${field}cost_micros`,
        sum.cost_micros,
        `${field}latency_ms_total`,
        sum.latency_ms_total,
      );
    }
    for (const event of keptUsageEvents(events)) group(event.account_id, usageDay(event.at)).raw.push(JSON.stringify(event));
    // Sent together, not as one pipeline: on Redis Cluster the accounts live on different nodes.
    const sent: Array<Promise<Reply>> = [];
    for (const { account_id: accountId, day, increments, raw } of groups.values()) {
      // Bounded arguments per call (Lua's unpack has a stack limit); the first call also adds the sums.
      for (let start = 0; start === 0 || start < raw.length; start += USAGE_EVENTS_PER_CALL) {
        sent.push(
          this.run(
            'kikuaiRecordUsage',
            [this.accountKey(accountId, `usage:${day}`), this.accountKey(accountId, 'events')],
            [
              USAGE_RETENTION_DAYS * 86_400,
              USAGE_EVENTS_KEPT,
              ...(start === 0 ? [increments.length / 2, ...increments] : [0]),
              ...raw.slice(start, start + USAGE_EVENTS_PER_CALL),
            ],
          ),
        );
      }
    }
    await Promise.all(sent);
  }

  async getUsage(accountId: string, fromDay: string, toDay: string): Promise<UsageRow[]> {
    const days = daysBetween(fromDay, toDay);
    if (days.length === 0) return [];
    const pipeline = this.client.pipeline();
    for (const day of days) pipeline.hgetall(this.accountKey(accountId, `usage:${day}`));
    const replies = (await pipeline.exec()) ?? [];
    const rows = new Map<string, UsageRow>();
    replies.forEach(([error, hash], index) => {
      if (error) throw error;
      const day = days[index]!;
      for (const [field, value] of Object.entries(hash as Record<string, string>)) {
        const counterAt = field.lastIndexOf('|');
        const keyAt = field.lastIndexOf('|', counterAt - 1);
        const productId = field.slice(0, keyAt);
        const keyId = field.slice(keyAt + 1, counterAt);
        const id = `${day}|${field.slice(0, counterAt)}`;
        let row = rows.get(id);
        if (!row) {
          row = { day, product_id: productId, key_id: keyId, requests: 0, errors: 0, cost_micros: 0, latency_ms_total: 0 };
          rows.set(id, row);
        }
        row[field.slice(counterAt + 1) as 'requests' | 'errors' | 'cost_micros' | 'latency_ms_total'] = Number(value);
      }
    });
    return [...rows.values()].sort(compareUsageRows);
  }

  async listUsageEvents(accountId: string, limit: number): Promise<UsageEvent[]> {
    const raw = await this.client.lrange(this.accountKey(accountId, 'events'), 0, limit - 1);
    return raw.map((json) => JSON.parse(json) as UsageEvent);
  }

  // Top-ups --------------------------------------------------------------------------
  async createTopup(topup: Topup): Promise<Topup> {
    checkedTopupAmounts(topup);
    const indexKey = this.global(`topup:${topup.id}`);
    if ((await this.client.set(indexKey, topup.account_id, 'NX')) !== 'OK') throw new Error(`Top-up ${topup.id} exists`);
    await this.indexOutbox(topup.account_id);
    await this.run(
      'kikuaiCreateTopup',
      [this.accountKey(topup.account_id, `topup:${topup.id}`), this.outboxKey(topup.account_id)],
      [this.event(() => topupCreatedEvent(topup)), ...toPairs(topupFields(topup))],
    );
    return toTopup(topupFields(topup));
  }

  async getTopup(topupId: string): Promise<Topup | null> {
    const accountId = await this.client.get(this.global(`topup:${topupId}`));
    if (accountId === null) return null;
    const hash = await this.client.hgetall(this.accountKey(accountId, `topup:${topupId}`));
    return hash.id ? toTopup(hash) : null;
  }

  async updateTopup(topupId: string, patch: Partial<Omit<Topup, 'id' | 'account_id'>>, audit?: ChangeAudit): Promise<Topup | null> {
    checkedTopupAmounts(patch);
    const accountId = await this.client.get(this.global(`topup:${topupId}`));
    if (accountId === null) return null;
    const fields = Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined)) as Record<string, string | number | null>;
    await this.indexOutbox(accountId);
    const flat = await this.patch(this.accountKey(accountId, `topup:${topupId}`), '', fields, undefined, {
      outbox: this.outboxKey(accountId),
      event: Object.keys(fields).length > 0 ? this.event(() => topupUpdatedEvent(accountId, topupId, patch, new Date().toISOString(), audit)) : '',
    });
    return flat ? toTopup(flat) : null;
  }

  async completeTopup(request: CompleteTopupRequest, now: string): Promise<CompleteTopupResult> {
    assertTopupCredit(request);
    const accountId = await this.client.get(this.global(`topup:${request.topup_id}`));
    if (accountId === null) return { ok: false, reason: 'topup_not_found' };
    const { credit } = request;
    await this.indexOutbox(accountId);
    const reply = (await this.run(
      'kikuaiCompleteTopup',
      [
        this.accountKey(accountId, 'account'),
        this.accountKey(accountId, 'ledger'),
        this.accountKey(accountId, 'ledger_refs'),
        this.accountKey(accountId, `topup:${request.topup_id}`),
        this.outboxKey(accountId),
      ],
      [
        credit.amount_micros,
        credit.reason,
        credit.external_ref,
        newLedgerId(),
        now,
        request.provider_ref ?? '',
        this.maxBalanceMicros,
        this.event(() => topupCompletedHead(accountId, request.topup_id, request.provider_ref ?? null, now)),
      ],
    )) as Reply[];
    switch (reply[0]) {
      case 'topup_not_found':
      case 'account_not_found':
        return { ok: false, reason: reply[0] };
      case 'balance_limit':
        return { ok: false, reason: 'balance_limit_exceeded', balance_micros: Number(reply[1]), limit_micros: Number(reply[2]) };
      case 'already_completed':
      case 'repaired':
        return {
          ok: true,
          applied: false,
          reason: reply[0],
          topup: toTopup(flatToObject(reply[3]!)),
          entry: reply[1] ? parseEntry(accountId, reply[1] as string) : null,
          balance_micros: Number(reply[2]),
        };
      default:
        return {
          ok: true,
          applied: true,
          topup: toTopup(flatToObject(reply[4]!)),
          entry: parseEntry(accountId, reply[1] as string),
          balance_micros: Number(reply[2]),
          crossed: (reply[3] || null) as BalanceCrossing | null,
        };
    }
  }

  // Payments ---------------------------------------------------------------------------
  /** One global key per charge id (`stars_charge:<id>`, SET NX): no cross-slot script needed. */
  async claimStarsCharge(charge: StarsCharge): Promise<{ claimed: boolean; charge: StarsCharge }> {
    const key = this.global(`stars_charge:${charge.charge_id}`);
    const claimed = (await this.client.set(key, JSON.stringify(charge), 'NX')) === 'OK';
    const standing = claimed ? { ...charge } : (await this.getStarsCharge(charge.charge_id))!;
    // The claim's event goes to the account's outbox after the claim (another slot on Redis
    // Cluster, so not in one script): a report of the same charge again pushes it again, and
    // its fixed id keeps it once in PostgreSQL.
    if (this.outboxIndexWrites && standing.account_id === charge.account_id && standing.topup_id === charge.topup_id) {
      await this.indexOutbox(standing.account_id);
      await this.client.rpush(this.outboxKey(standing.account_id), starsChargeClaimedEvent(standing));
    }
    return { claimed, charge: standing };
  }

  async getStarsCharge(chargeId: string): Promise<StarsCharge | null> {
    const raw = await this.client.get(this.global(`stars_charge:${chargeId}`));
    if (raw === null) return null;
    const stored = JSON.parse(raw) as StarsCharge;
    return { charge_id: stored.charge_id, account_id: stored.account_id, topup_id: stored.topup_id, created_at: stored.created_at };
  }

  async recordPaymentIncident(incident: PaymentIncident): Promise<boolean> {
    const seq = await this.client.incr(this.global('payment_incidents_seq'));
    await this.indexOutbox(this.incidentsOutboxAccount);
    const recorded = await this.run(
      'kikuaiRecordIncident',
      [this.global('payment_incidents'), this.outboxKey(this.incidentsOutboxAccount)],
      [incident.id, JSON.stringify({ ...incident, seq }), this.event(() => incidentRecordedEvent(incident))],
    );
    return recorded === 1;
  }

  async listPaymentIncidents(limit: number): Promise<PaymentIncident[]> {
    const stored = (await this.client.hvals(this.global('payment_incidents'))).map((raw) => JSON.parse(raw) as PaymentIncident & { seq: number });
    return stored
      .sort((a, b) => b.seq - a.seq)
      .slice(0, limit)
      .map(({ id, kind, account_id, topup_id, detail, created_at }) => ({ id, kind, account_id, topup_id, detail, created_at }));
  }

  // Idempotency and de-duplication -----------------------------------------------------
  async claimIdempotent(scope: string, key: string, fingerprint: string, ttlSeconds: number): Promise<IdempotentClaim | null> {
    const claim = JSON.stringify({ state: 'pending', fingerprint });
    const stored = (await this.run('kikuaiClaimIdempotent', [this.global(`idem:${scope}:${key}`)], [claim, ttlSeconds])) as string | null;
    if (stored === null) return null;
    const parsed = JSON.parse(stored) as IdempotentClaim;
    return parsed.state === 'pending' ? { state: 'pending' } : { state: 'done', fingerprint: parsed.fingerprint, status: parsed.status, body: parsed.body };
  }

  async saveIdempotent(scope: string, key: string, fingerprint: string, status: number, body: string, ttlSeconds: number): Promise<void> {
    await this.client.set(this.global(`idem:${scope}:${key}`), JSON.stringify({ state: 'done', fingerprint, status, body }), 'EX', ttlSeconds);
  }

  async releaseIdempotent(scope: string, key: string): Promise<void> {
    await this.client.del(this.global(`idem:${scope}:${key}`));
  }

  async markSeen(namespace: string, id: string, ttlSeconds: number): Promise<boolean> {
    return (await this.client.set(this.global(`seen:${namespace}:${id}`), '1', 'EX', ttlSeconds, 'NX')) === 'OK';
  }

  // Outbox -----------------------------------------------------------------------------
  /**
   * Each indexed account's oldest events, up to `limit` in all. An account whose outbox is
   * empty and that no instance indexed lately leaves the index (compare-and-delete on its
   * score, as `listOpenCalls` does): an event pushed later is indexed before it is pushed.
   */
  async readOutbox(limit: number): Promise<OutboxBatch> {
    const index = this.global('outbox:accounts');
    const events: OutboxEvent[] = [];
    const receipt: Array<[accountId: string, count: number, first: string]> = [];
    const flat = await this.client.zrange(index, 0, '+inf', 'BYSCORE', 'LIMIT', 0, OUTBOX_ACCOUNTS_PER_READ, 'WITHSCORES');
    const perAccount = Math.max(1, Math.ceil(limit / Math.max(1, flat.length / 2)));
    const lists = await Promise.all(Array.from({ length: flat.length / 2 }, (_, n) => this.client.lrange(this.outboxKey(flat[n * 2]!), 0, perAccount - 1)));
    for (let i = 0; i < flat.length; i += 2) {
      const accountId = flat[i]!;
      const raw = lists[i / 2]!;
      if (raw.length === 0) {
        if (Number(flat[i + 1]) < Date.now() - 2 * CALL_INDEX_REFRESH_MS) await this.run('kikuaiUnindexCalls', [index], [accountId, flat[i + 1]!]);
        continue;
      }
      if (events.length >= limit) continue;
      receipt.push([accountId, raw.length, raw[0]!]);
      for (const item of raw) events.push(parseOutboxEvent(accountId, item));
    }
    return { events, receipt: JSON.stringify(receipt) };
  }

  async ackOutbox(receipt: string): Promise<void> {
    const read = JSON.parse(receipt) as Array<[string, number, string]>;
    await Promise.all(read.map(([accountId, count, first]) => this.run('kikuaiAckOutbox', [this.outboxKey(accountId)], [count, first])));
  }

  async outboxBacklog(): Promise<OutboxBacklog> {
    const accounts = await this.client.zrange(this.global('outbox:accounts'), 0, -1);
    const heads = await Promise.all(
      accounts.map(async (accountId) => {
        const key = this.outboxKey(accountId);
        const [length, first] = await Promise.all([this.client.llen(key), this.client.lindex(key, 0)]);
        return { length, at: first === null ? null : parseOutboxEvent(accountId, first).at };
      }),
    );
    let pending = 0;
    let oldest: string | null = null;
    for (const { length, at } of heads) {
      pending += length;
      if (at !== null && (oldest === null || at < oldest)) oldest = at;
    }
    return { pending, oldest_at: oldest };
  }

  async trimLedger(accountId: string, upToSeq: number, createdBefore: string, limit: number): Promise<number> {
    return Number(
      await this.run('kikuaiTrimLedger', [this.accountKey(accountId, 'ledger'), this.accountKey(accountId, 'ledger_refs')], [upToSeq, createdBefore, limit]),
    );
  }

  // Operations -----------------------------------------------------------------------
  async ping(): Promise<void> {
    await (this.client as Redis).ping();
  }

  /**
   * Accounts created since this counter began (`accounts:count`, for the `kikuai_accounts`
   * gauge): one INCR per registration. Not part of the Store interface: a metric, not money.
   */
  async countAccounts(): Promise<number> {
    return Number((await this.client.get(this.global('accounts:count'))) ?? 0);
  }

  async close(): Promise<void> {
    if (!this.ownsClient) return;
    // QUIT needs a live connection; a client that is reconnecting just stops.
    if (this.client.status === 'ready') await this.client.quit().catch(() => this.client.disconnect());
    else this.client.disconnect();
  }
}

function parseEntry(accountId: string, raw: string): LedgerEntry {
  return toEntry(accountId, JSON.parse(raw) as Record<string, string>);
}

/** RESERVE's period arguments (start ms and ISO of the day, week and month), made once a day. */
let periodArgumentsOfDay: { day: number; args: Array<string | number> } | null = null;
function periodArguments(nowMs: number): Array<string | number> {
  const day = Math.floor(nowMs / 86_400_000);
  if (periodArgumentsOfDay?.day !== day) {
    const starts = periodStarts(nowMs);
    periodArgumentsOfDay = {
      day,
      args: (['daily', 'weekly', 'monthly'] as const).flatMap((period) => [starts[period], new Date(starts[period]).toISOString()]),
    };
  }
  return periodArgumentsOfDay.args;
}

/** The per-call fields of a 'current' reply, from index `at` (strings; '' for an absent instant). */
function perCallFields(reply: Reply[], at: number): PerCallFields {
  return {
    balance_micros: Number(reply[at]),
    low_balance_notified: reply[at + 1] === '1',
    spent_micros: Number(reply[at + 2]),
    spend_period_start: (reply[at + 3] as string) || null,
    last_used_at: (reply[at + 4] as string) || null,
  };
}

function rateStates(rules: RateLimitRule[], reply: Reply): RateLimitState[] {
  return (reply as string[][]).map(([used, resetMs], index) => {
    const rule = rules[index]!;
    return { bucket: rule.bucket, limit: rule.limit, remaining: Math.max(0, rule.limit - Number(used)), reset_ms: Number(resetMs) };
  });
}

function topupFields(topup: Topup): Record<string, string | number | null> {
  return { ...topup };
}

/** The outbox event a patch writes: `event` ('' none) goes to `outbox`; `completeWithKey`: it is a head completed with the key's fields. */
interface PatchEvent {
  outbox: string;
  event: string;
  completeWithKey?: boolean;
}
