/**
 * One class per store operation of the property suite. An operation is generated blind
 * (picks are indices taken modulo what the model holds), then bound to the model of the
 * moment: `bind` resolves the picks to concrete ids or says the operation cannot run.
 * A bound operation then
 * - `perform`s against the real store and reduces the answer to a result word;
 * - `expect`s on the model: moves the model to the state after and returns the word the
 *   store should have answered (it may read ids the store chose from the actual outcome).
 *
 * Adding an operation: a class here, its arbitrary in `commands.ts`, its checks (if it
 * adds state) in `invariants.ts`.
 *
 * Open calls: `Reserve` opens one (`reserved`); `CallStep` is what an instance does next
 * (forwarded, answered, settled), held in its memory until its batch is written;
 * `RefundCall` is the request path's refund; `Reconcile` drops an instance's memory (a
 * crash) and runs the real `CallReconciler`.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import pino from 'pino';
import { CallReconciler } from '../../../src/proxy/call-reconciler.js';
import { newKeyId, newTopupId } from '../../../src/store/ids.js';
import { InvalidAmountError } from '../../../src/store/logic.js';
import {
  PERMISSIONS,
  type AccountStatus,
  type CallSettlement,
  type CallTransition,
  type KeyPatch,
  type Permission,
  type SpendLimitPeriod,
  type Store,
  type Topup,
  type TopupMethod,
  type UsageEvent,
} from '../../../src/store/types.js';
import {
  accountById,
  applyLedger,
  appendEntry,
  callById,
  isOpen,
  keepCall,
  refundOpenCall,
  SETTLE_AFTER_MS,
  type Buffered,
  type ModelCall,
  effectiveSpent,
  hasRef,
  keyById,
  keyRefusal,
  MAX_BALANCE,
  MAX_KEYS,
  MICROS_PER_STAR,
  newModelKey,
  normalPermissions,
  outOfBounds,
  periodStart,
  rateCheck,
  rateRules,
  type Model,
  type ModelAccount,
  type ModelKey,
  withCrossing,
} from './model.js';
import type { Real } from './real.js';

export interface Outcome {
  result: string;
  /** What the counts print for it, when not the result (a composite operation's last answer). */
  tally?: string;
  /** Ids the store chose (a registered account), for `expect`. */
  accountId?: string;
}

export interface Bound {
  perform(real: Real): Promise<Outcome>;
  /** Moves the model; returns the result the store should have given. */
  expect(model: Model, actual: Outcome): string;
}

export interface Operation {
  bind(model: Model): Bound | null;
  toString(): string;
}

export const iso = (ms: number): string => new Date(ms).toISOString();
const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
const freshHash = (): string => sha256(randomBytes(16).toString('hex'));

/**
 * Runs a bound operation on the real store. A store refuses an amount out of its bounds by
 * throwing InvalidAmountError before it writes anything: the result `invalid_amount`. Any
 * other error fails the step.
 */
export async function performOn(bound: Bound, real: Real): Promise<Outcome> {
  try {
    return await bound.perform(real);
  } catch (error) {
    if (error instanceof InvalidAmountError) return { result: 'invalid_amount' };
    throw error;
  }
}

function pickAccount(model: Model, pick: number): ModelAccount | null {
  return model.accounts.length === 0 ? null : model.accounts[pick % model.accounts.length]!;
}

function pickKey(account: ModelAccount, pick: number): ModelKey {
  return account.keys[pick % account.keys.length]!; // every account has its first key
}

// Accounts ----------------------------------------------------------------------------

/** `register`: a new Telegram user gets an account and its first key; a known one gets the same account. */
export class Register implements Operation {
  constructor(
    readonly user: number,
    readonly via: 0 | 1,
  ) {}
  toString = () => `Register(user=${this.user}, via=${this.via})`;
  bind(model: Model): Bound {
    const telegramId = model.telegramBase + this.user;
    const keyId = newKeyId();
    const hash = freshHash();
    const nowMs = model.nowMs;
    return {
      perform: async ({ stores }) => {
        const result = await stores[this.via].register(
          { id: telegramId, first_name: 'Model' },
          { id: keyId, name: 'first', prefix: 'kik_mode', last_four: 'abcd', hash },
          iso(nowMs),
        );
        if (result.created !== (result.first_key !== null)) return { result: 'first_key_mismatch' };
        return { result: result.created ? 'created' : 'existing', accountId: result.account.id };
      },
      expect: (m, actual) => {
        const existing = m.accounts.find((account) => account.telegramId === telegramId);
        if (existing) return actual.accountId === existing.id ? 'existing' : 'existing_with_another_account';
        if (!actual.accountId) return 'created';
        m.accounts.push({
          id: actual.accountId,
          telegramId,
          status: 'active',
          balance: 0,
          lowBalanceThreshold: null,
          lowBalanceNotified: false,
          ledger: [],
          keys: [newModelKey(keyId, hash)],
          windows: {},
          calls: [],
          pastCeiling: false,
          topups: [],
        });
        return 'created';
      },
    };
  }
}

/** `setAccountStatus`: the operator suspends or restores an account. */
export class SetStatus implements Operation {
  constructor(
    readonly account: number,
    readonly status: AccountStatus,
    readonly via: 0 | 1 = 0,
  ) {}
  toString = () => `SetStatus(account=${this.account}, ${this.status}, via=${this.via})`;
  bind(model: Model): Bound | null {
    const account = pickAccount(model, this.account);
    if (!account) return null;
    return {
      perform: async ({ stores }) => {
        const updated = await stores[this.via].setAccountStatus(account.id, this.status, this.status === 'suspended' ? 'model: operator' : null);
        return { result: updated?.status ?? 'not_found' };
      },
      expect: (m) => {
        accountById(m, account.id).status = this.status;
        return this.status;
      },
    };
  }
}

/** `setLowBalanceThreshold`: below it the user is told once; a new threshold starts a fresh cycle. */
export class SetThreshold implements Operation {
  constructor(
    readonly account: number,
    readonly threshold: number | null,
  ) {}
  toString = () => `SetThreshold(account=${this.account}, ${this.threshold ?? 'none'})`;
  bind(model: Model): Bound | null {
    const account = pickAccount(model, this.account);
    if (!account) return null;
    return {
      perform: async ({ stores }) => ({ result: (await stores[0].setLowBalanceThreshold(account.id, this.threshold)) ? 'ok' : 'not_found' }),
      expect: (m) => {
        const modelAccount = accountById(m, account.id);
        modelAccount.lowBalanceThreshold = this.threshold;
        modelAccount.lowBalanceNotified = false;
        return 'ok';
      },
    };
  }
}

// Money -------------------------------------------------------------------------------

/** A ledger change and how the model expects it; shared by the payment operations. */
async function performLedger(store: Store, change: Parameters<Store['applyLedger']>[0], nowMs: number): Promise<{ outcome: Outcome; entryId: string | null }> {
  const result = await store.applyLedger(change, iso(nowMs));
  if (!result.ok) return { outcome: { result: result.reason }, entryId: null };
  return { outcome: { result: result.applied ? withCrossing('applied', result.crossed) : 'duplicate' }, entryId: result.entry.id };
}

/**
 * The operator's credit or debit (`adminAdjustCredit`): `credit` when positive, `adjustment`
 * otherwise, refused past the balance or (a credit) past the ceiling; an amount out of
 * bounds (0, a fraction, past $1,000,000 either way) refused before anything.
 */
export class AdminAdjust implements Operation {
  constructor(
    readonly account: number,
    readonly amount: number,
    readonly ref: number | null,
  ) {}
  toString = () => `AdminAdjust(account=${this.account}, ${this.amount}, ref=${this.ref ?? 'none'})`;
  bind(model: Model): Bound | null {
    const account = pickAccount(model, this.account);
    if (!account) return null;
    const ref = this.ref === null ? null : `admin:adj_${this.ref}`;
    const kind = this.amount > 0 ? ('credit' as const) : ('adjustment' as const);
    const nowMs = model.nowMs;
    return {
      perform: async ({ stores }) =>
        (await performLedger(stores[0], { account_id: account.id, kind, amount_micros: this.amount, reason: 'Operator: model', external_ref: ref }, nowMs))
          .outcome,
      expect: (m) => applyLedger(accountById(m, account.id), { kind, amount: this.amount, ref, nowMs }),
    };
  }
}

/** `createTopup`: a pending top-up (Stars: its number of Stars); an amount out of bounds is refused with nothing kept. */
export class CreateTopup implements Operation {
  constructor(
    readonly account: number,
    readonly method: TopupMethod,
    readonly amount: number,
  ) {}
  toString = () => `CreateTopup(account=${this.account}, ${this.method}, ${this.amount})`;
  bind(model: Model): Bound | null {
    const account = pickAccount(model, this.account);
    if (!account) return null;
    const id = newTopupId();
    const stars = this.method === 'stars' ? Math.ceil(this.amount / MICROS_PER_STAR) : null;
    const topup: Topup = {
      id,
      account_id: account.id,
      method: this.method,
      amount_micros: this.amount,
      stars,
      status: 'pending',
      checkout_url: null,
      invoice_link: null,
      provider_ref: null,
      ledger_entry_id: null,
      created_at: iso(model.nowMs),
      completed_at: null,
    };
    return {
      perform: async ({ stores }) => ({ result: (await stores[0].createTopup(topup)).status }),
      expect: (m) => {
        if (outOfBounds(this.amount, 1)) return 'invalid_amount';
        accountById(m, account.id).topups.push({ id, method: this.method, amount: this.amount, status: 'pending', providerRef: null, entryRef: null });
        return 'pending';
      },
    };
  }
}

/**
 * `updateTopup`: the checkout was created (Paddle's transaction id recorded), or a pending
 * top-up failed or expired. Only a pending one, as the server does (a provider that refused
 * to start the payment): `updateTopup` writes whatever status it is given, and a completed
 * top-up set back to failed would be completed, and credited, again (see the store README).
 */
export class UpdateTopup implements Operation {
  constructor(
    readonly account: number,
    readonly topup: number,
    readonly change: 'checkout' | 'failed' | 'expired',
    readonly transaction: number,
  ) {}
  toString = () => `UpdateTopup(account=${this.account}, topup=${this.topup}, ${this.change}${this.change === 'checkout' ? ` txn_${this.transaction}` : ''})`;
  bind(model: Model): Bound | null {
    const account = pickAccount(model, this.account);
    if (!account || account.topups.length === 0) return null;
    const topup = account.topups[this.topup % account.topups.length]!;
    const change = this.change;
    if (change !== 'checkout' && topup.status !== 'pending') return null;
    const providerRef = `txn_${this.transaction}`;
    const patch: Partial<Topup> =
      change === 'checkout' ? { checkout_url: `https://pay.example/?_ptxn=${providerRef}`, provider_ref: providerRef } : { status: change };
    return {
      perform: async ({ stores }) => ({ result: (await stores[0].updateTopup(topup.id, patch))?.status ?? 'not_found' }),
      expect: (m) => {
        const modelled = accountById(m, account.id).topups.find((candidate) => candidate.id === topup.id)!;
        if (change === 'checkout') modelled.providerRef = providerRef;
        else modelled.status = change;
        return modelled.status;
      },
    };
  }
}

const completable = (status: string): boolean => status === 'pending' || status === 'failed' || status === 'expired';

/** This run's Stars charge ids: global across accounts (and runs), so namespaced by the run. */
const chargeIdOf = (model: Model, charge: number): string => `ch_${model.runToken}_${charge}`;

/**
 * `claimStarsCharge` as the server calls it before crediting a charge: the first account
 * to claim a charge id owns it, across all accounts; any other account's claim finds the
 * owner and credits nothing. Returns the refusal, or null when this account owns it.
 */
async function claimCharge(store: Store, chargeId: string, accountId: string, topupId: string, nowMs: number): Promise<string | null> {
  const claim = await store.claimStarsCharge({ charge_id: chargeId, account_id: accountId, topup_id: topupId, created_at: iso(nowMs) });
  if (claim.charge.charge_id !== chargeId) return 'another_charge';
  return claim.charge.account_id === accountId ? null : 'stars_charge_conflict';
}

/** The model of `claimCharge`. */
function expectClaim(m: Model, chargeId: string, accountId: string, topupId: string): string | null {
  const owner = m.charges[chargeId];
  if (!owner) m.charges[chargeId] = { accountId, topupId };
  return owner && owner.accountId !== accountId ? 'stars_charge_conflict' : null;
}

/** What a completion credits: the top-up's amount, twice it, or an amount the store must refuse. */
export type CompletionAmount = 'asked' | 'double' | 0 | 1.5 | 10_000_000_000_000 | 9_007_199_254_740_991;

/**
 * `completeTopup` as the payment paths call it: a Paddle `transaction.completed` credits
 * `paddle:<txn>`; a Stars payment first claims its charge globally (another account's
 * charge: `stars_charge_conflict`, nothing else), then credits `stars:<charge>` and writes
 * the charge id on the top-up. The top-up moves pending / failed / expired → completed with
 * its credit, once: a second completion by any transaction or charge is `already_completed`;
 * a credit whose reference is already in the ledger completes it without a credit
 * (`repaired`, pointing to that entry); past the ceiling `balance_limit_exceeded`, and an
 * amount out of bounds `invalid_amount`, both with nothing changed.
 */
export class CompleteTopup implements Operation {
  constructor(
    readonly account: number,
    readonly topup: number,
    readonly payment: number,
    readonly amount: CompletionAmount,
    readonly via: 0 | 1,
  ) {}
  toString = () => `CompleteTopup(account=${this.account}, topup=${this.topup}, payment ${this.payment}, ${this.amount}, via=${this.via})`;
  bind(model: Model): Bound | null {
    const account = pickAccount(model, this.account);
    if (!account || account.topups.length === 0) return null;
    const topup = account.topups[this.topup % account.topups.length]!;
    const stars = topup.method === 'stars';
    const paymentId = stars ? chargeIdOf(model, this.payment) : `txn_${this.payment}`;
    const ref = stars ? `stars:${paymentId}` : `paddle:${paymentId}`;
    const amount = this.amount === 'asked' ? topup.amount : this.amount === 'double' ? topup.amount * 2 : this.amount;
    const nowMs = model.nowMs;
    const credit = { amount_micros: amount, reason: `Top-up ${topup.id} by ${paymentId}`, external_ref: ref };
    const request = { topup_id: topup.id, credit, ...(stars ? { provider_ref: paymentId } : {}) };
    return {
      perform: async ({ stores }) => {
        const store = stores[this.via];
        if (stars) {
          const refused = await claimCharge(store, paymentId, account.id, topup.id, nowMs);
          if (refused) return { result: refused };
        }
        const result = await store.completeTopup(request, iso(nowMs));
        if (!result.ok) return { result: result.reason };
        // A completion answers with the top-up pointing to the entry it answers, which holds this credit's reference.
        if (
          (result.applied || result.reason === 'repaired') &&
          (result.topup.status !== 'completed' || result.topup.ledger_entry_id !== result.entry?.id || result.entry?.external_ref !== ref)
        ) {
          return { result: 'completed_without_its_entry' };
        }
        return { result: result.applied ? withCrossing('applied', result.crossed) : result.reason };
      },
      expect: (m) => {
        const modelAccount = accountById(m, account.id);
        const refused = stars ? expectClaim(m, paymentId, account.id, topup.id) : null;
        if (refused) return refused;
        if (outOfBounds(amount, 1)) return 'invalid_amount';
        const modelled = modelAccount.topups.find((candidate) => candidate.id === topup.id)!;
        if (!completable(modelled.status)) return 'already_completed';
        const complete = () => Object.assign(modelled, { status: 'completed', entryRef: ref }, stars ? { providerRef: paymentId } : {});
        if (hasRef(modelAccount, ref)) {
          complete();
          return 'repaired';
        }
        if (modelAccount.balance + amount > MAX_BALANCE) return 'balance_limit_exceeded';
        const crossed = appendEntry(modelAccount, 'credit', amount, ref);
        complete();
        return withCrossing('applied', crossed);
      },
    };
  }
}

/**
 * A Paddle adjustment (`adjustment.updated`, approved): a refund or chargeback debits the
 * share of the top-up it reverses (taking the balance to 0 and suspending the account when
 * it does not cover it), a chargeback reversal credits it back; keyed by `paddle:adj:<id>`.
 */
export class PaddleAdjustment implements Operation {
  constructor(
    readonly account: number,
    readonly topup: number,
    readonly adjustment: number,
    readonly action: 'refund' | 'chargeback' | 'chargeback_reverse',
    readonly full: boolean,
  ) {}
  toString = () => `PaddleAdjustment(account=${this.account}, topup=${this.topup}, adj_${this.adjustment}, ${this.action}, ${this.full ? 'full' : 'half'})`;
  bind(model: Model): Bound | null {
    const account = pickAccount(model, this.account);
    const topups = account?.topups.filter((topup) => topup.method === 'paddle') ?? [];
    if (!account || topups.length === 0) return null;
    const topup = topups[this.topup % topups.length]!;
    const share = this.full ? topup.amount : Math.floor(topup.amount / 2);
    const reversal = this.action === 'chargeback_reverse';
    const amount = reversal ? share : -share;
    const ref = `paddle:adj:adj_${this.adjustment}`;
    const nowMs = model.nowMs;
    return {
      perform: async ({ stores }) => {
        const change = { account_id: account.id, kind: 'adjustment' as const, amount_micros: amount, reason: `Paddle ${this.action}`, external_ref: ref };
        const { outcome } = await performLedger(stores[0], reversal ? change : { ...change, on_insufficient: 'clamp_and_suspend' }, nowMs);
        if (outcome.result.startsWith('applied')) {
          const stored = await stores[0].getTopup(topup.id);
          if (!reversal && this.full) await stores[0].updateTopup(topup.id, { status: 'refunded' });
          if (reversal && stored?.status === 'refunded') await stores[0].updateTopup(topup.id, { status: 'completed' });
        }
        return outcome;
      },
      expect: (m) => {
        const modelAccount = accountById(m, account.id);
        const result = applyLedger(modelAccount, { kind: 'adjustment', amount, ref, clamp: !reversal, nowMs });
        const modelled = modelAccount.topups.find((candidate) => candidate.id === topup.id)!;
        if (result.startsWith('applied') && !reversal && this.full) modelled.status = 'refunded';
        if (result.startsWith('applied') && reversal && modelled.status === 'refunded') modelled.status = 'completed';
        return result;
      },
    };
  }
}

/**
 * A Telegram Stars `successful_payment` that completes no top-up (a further payment of a
 * paid invoice, or one naming no top-up): the charge is claimed globally first (another
 * account's charge: `stars_charge_conflict`, nothing credited), then `stars × rate` is
 * credited, keyed by `stars:<charge id>` (replayed with another amount: once).
 */
export class StarsCharge implements Operation {
  constructor(
    readonly account: number,
    readonly charge: number,
    readonly stars: number,
    readonly via: 0 | 1 = 0,
  ) {}
  toString = () => `StarsCharge(account=${this.account}, ch_${this.charge}, ${this.stars} Stars, via=${this.via})`;
  bind(model: Model): Bound | null {
    const account = pickAccount(model, this.account);
    if (!account) return null;
    const chargeId = chargeIdOf(model, this.charge);
    const ref = `stars:${chargeId}`;
    const topupId = `top_x${chargeId}`;
    const amount = this.stars * MICROS_PER_STAR;
    const nowMs = model.nowMs;
    return {
      perform: async ({ stores }) => {
        const refused = await claimCharge(stores[this.via], chargeId, account.id, topupId, nowMs);
        if (refused) return { result: refused };
        const change = { account_id: account.id, kind: 'credit' as const, amount_micros: amount, reason: `Stars ${this.stars}`, external_ref: ref };
        return (await performLedger(stores[this.via], change, nowMs)).outcome;
      },
      expect: (m) => expectClaim(m, chargeId, account.id, topupId) ?? applyLedger(accountById(m, account.id), { kind: 'credit', amount, ref, nowMs }),
    };
  }
}

/** A Stars refund: finds what the charge credited and debits it once (`stars_refund:<charge id>`), clamping and suspending. */
export class StarsRefund implements Operation {
  /** `charge`: one of the account's charges (by index), or null for one never recorded. */
  constructor(
    readonly account: number,
    readonly charge: number | null,
  ) {}
  toString = () => `StarsRefund(account=${this.account}, ${this.charge === null ? 'unknown charge' : `charge ${this.charge}`})`;
  bind(model: Model): Bound | null {
    const account = pickAccount(model, this.account);
    if (!account) return null;
    const charges = account.ledger.filter((entry) => entry.ref?.startsWith('stars:')).map((entry) => entry.ref!.slice('stars:'.length));
    const chargeId = this.charge === null || charges.length === 0 ? 'ch_unknown' : charges[this.charge % charges.length]!;
    const chargeRef = `stars:${chargeId}`;
    const ref = `stars_refund:${chargeId}`;
    const nowMs = model.nowMs;
    return {
      perform: async ({ stores }) => {
        const credit = await stores[0].findLedgerEntry(account.id, chargeRef);
        if (!credit) return { result: 'not_found' };
        const change = {
          account_id: account.id,
          kind: 'adjustment' as const,
          amount_micros: -credit.amount_micros,
          reason: 'Stars refund',
          external_ref: ref,
          on_insufficient: 'clamp_and_suspend' as const,
        };
        return (await performLedger(stores[0], change, nowMs)).outcome;
      },
      expect: (m) => {
        const modelAccount = accountById(m, account.id);
        const credit = modelAccount.ledger.find((entry) => entry.ref === chargeRef);
        if (!credit) return 'not_found';
        return applyLedger(modelAccount, { kind: 'adjustment', amount: -credit.amount, ref, clamp: true, nowMs });
      },
    };
  }
}

// Keys --------------------------------------------------------------------------------

export interface Restrictions {
  allowedProducts: string[] | null;
  /** Any subset, none included. */
  permissions: Permission[];
  spendLimit: number | null;
  period: SpendLimitPeriod | null;
  /** Expires this long after creation (model time); null: never. */
  expiresInMs: number | null;
}

const describeRestrictions = (r: Restrictions): string =>
  [
    r.allowedProducts ? `products=[${r.allowedProducts.join(',')}]` : null,
    r.permissions.length < 4 ? `permissions=[${r.permissions.join(',')}]` : null,
    r.spendLimit !== null ? `limit=${r.spendLimit}${r.period ? `/${r.period}` : ''}` : null,
    r.expiresInMs !== null ? `expires+${r.expiresInMs / 60_000}min` : null,
  ]
    .filter(Boolean)
    .join(', ') || 'unrestricted';

/** `createKey`, restricted or not, with any permissions, at most MAX_KEYS live keys; a spend limit out of bounds refused. */
export class CreateKey implements Operation {
  constructor(
    readonly account: number,
    readonly restrictions: Restrictions,
  ) {}
  toString = () => `CreateKey(account=${this.account}, ${describeRestrictions(this.restrictions)})`;
  bind(model: Model): Bound | null {
    const account = pickAccount(model, this.account);
    if (!account) return null;
    const r = this.restrictions;
    const id = newKeyId();
    const hash = freshHash();
    const expiresMs = r.expiresInMs === null ? null : model.nowMs + r.expiresInMs;
    const nowMs = model.nowMs;
    return {
      perform: async ({ stores }) => {
        const result = await stores[0].createKey(
          account.id,
          {
            id,
            name: 'model',
            prefix: 'kik_mode',
            last_four: 'wxyz',
            hash,
            allowed_products: r.allowedProducts,
            permissions: r.permissions,
            spend_limit_micros: r.spendLimit,
            spend_limit_period: r.period,
            expires_at: expiresMs === null ? null : iso(expiresMs),
          },
          MAX_KEYS,
          iso(nowMs),
        );
        return { result: result.ok ? 'ok' : result.reason };
      },
      expect: (m) => {
        const modelAccount = accountById(m, account.id);
        if (r.spendLimit !== null && outOfBounds(r.spendLimit, 1)) return 'invalid_amount';
        if (modelAccount.keys.filter((key) => !key.revoked).length >= MAX_KEYS) return 'too_many_keys';
        modelAccount.keys.push(
          newModelKey(id, hash, { allowedProducts: r.allowedProducts, permissions: r.permissions, spendLimit: r.spendLimit, period: r.period, expiresMs }),
        );
        return 'ok';
      },
    };
  }
}

export type KeyChange =
  | { enabled: boolean }
  | { allowedProducts: string[] | null }
  | { permissions: Permission[] }
  | { spendLimit: number | null; period: SpendLimitPeriod | null }
  | { expiresInMs: number | null };

/**
 * `updateKey` through either store object: enable or disable, restrict (or widen) products
 * or permissions, set the spend limit (out of bounds: refused), set the expiry.
 */
export class UpdateKey implements Operation {
  constructor(
    readonly account: number,
    readonly key: number,
    readonly change: KeyChange,
    readonly via: 0 | 1 = 0,
  ) {}
  toString = () => `UpdateKey(account=${this.account}, key=${this.key}, ${JSON.stringify(this.change)}, via=${this.via})`;
  bind(model: Model): Bound | null {
    const account = pickAccount(model, this.account);
    if (!account) return null;
    const key = pickKey(account, this.key);
    const change = this.change;
    const nowMs = model.nowMs;
    const patch: KeyPatch =
      'enabled' in change
        ? { enabled: change.enabled }
        : 'allowedProducts' in change
          ? { allowed_products: change.allowedProducts }
          : 'permissions' in change
            ? { permissions: change.permissions }
            : 'spendLimit' in change
              ? { spend_limit_micros: change.spendLimit, spend_limit_period: change.period }
              : { expires_at: change.expiresInMs === null ? null : iso(nowMs + change.expiresInMs) };
    return {
      perform: async ({ stores }) => ({ result: (await stores[this.via].updateKey(account.id, key.id, patch)) ? 'ok' : 'not_found' }),
      expect: (m) => {
        const modelKey = keyById(accountById(m, account.id), key.id);
        if ('spendLimit' in change && change.spendLimit !== null && outOfBounds(change.spendLimit, 1)) return 'invalid_amount';
        if (modelKey.revoked) return 'not_found';
        if ('enabled' in change) modelKey.enabled = change.enabled;
        if ('allowedProducts' in change) modelKey.allowedProducts = change.allowedProducts;
        if ('permissions' in change) modelKey.permissions = normalPermissions(change.permissions);
        if ('expiresInMs' in change) modelKey.expiresMs = change.expiresInMs === null ? null : nowMs + change.expiresInMs;
        if ('spendLimit' in change) {
          modelKey.spendLimit = change.spendLimit;
          modelKey.period = change.period;
          modelKey.spentWhenLimited = effectiveSpent(modelKey, nowMs);
        }
        return 'ok';
      },
    };
  }
}

/** `rotateKey`: a new secret; the old one stays valid for the grace period (null: out at once). */
export class RotateKey implements Operation {
  constructor(
    readonly account: number,
    readonly key: number,
    readonly graceMs: number | null,
    readonly via: 0 | 1 = 0,
  ) {}
  toString = () =>
    `RotateKey(account=${this.account}, key=${this.key}, grace=${this.graceMs === null ? 'none' : `${this.graceMs / 60_000}min`}, via=${this.via})`;
  bind(model: Model): Bound | null {
    const account = pickAccount(model, this.account);
    if (!account) return null;
    const key = pickKey(account, this.key);
    const hash = freshHash();
    const nowMs = model.nowMs;
    const previousExpiresMs = this.graceMs === null ? null : nowMs + this.graceMs;
    return {
      perform: async ({ stores }) => {
        const rotated = await stores[this.via].rotateKey(
          account.id,
          key.id,
          { hash, prefix: 'kik_rota', last_four: 'rota' },
          previousExpiresMs === null ? null : iso(previousExpiresMs),
        );
        return { result: rotated ? 'ok' : 'not_found' };
      },
      expect: (m) => {
        const modelKey = keyById(accountById(m, account.id), key.id);
        if (modelKey.revoked) return 'not_found';
        if (modelKey.previousHash) modelKey.retiredHashes.push(modelKey.previousHash);
        if (previousExpiresMs === null) modelKey.retiredHashes.push(modelKey.hash);
        modelKey.previousHash = previousExpiresMs === null ? null : modelKey.hash;
        modelKey.previousHashExpiresMs = previousExpiresMs;
        modelKey.hash = hash;
        return 'ok';
      },
    };
  }
}

/** `revokeKey` through either store object: for good; a second revocation finds nothing. */
export class RevokeKey implements Operation {
  constructor(
    readonly account: number,
    readonly key: number,
    readonly via: 0 | 1 = 0,
  ) {}
  toString = () => `RevokeKey(account=${this.account}, key=${this.key}, via=${this.via})`;
  bind(model: Model): Bound | null {
    const account = pickAccount(model, this.account);
    if (!account) return null;
    const key = pickKey(account, this.key);
    const nowMs = model.nowMs;
    return {
      perform: async ({ stores }) => ({ result: (await stores[this.via].revokeKey(account.id, key.id, iso(nowMs))) ? 'ok' : 'not_found' }),
      expect: (m) => {
        const modelKey = keyById(accountById(m, account.id), key.id);
        if (modelKey.revoked) return 'not_found';
        modelKey.revoked = true;
        return 'ok';
      },
    };
  }
}

/** Which secret a caller presents: the key's current one, its previous one, one rotated out, or one never issued. */
export type HashKind = 'current' | 'previous' | 'retired' | 'forged';

function presentedHash(key: ModelKey, kind: HashKind): string {
  if (kind === 'previous' && key.previousHash) return key.previousHash;
  if (kind === 'retired' && key.retiredHashes.length > 0) return key.retiredHashes[key.retiredHashes.length - 1]!;
  if (kind === 'forged') return sha256(`forged:${key.id}`);
  return key.hash;
}

/** `authorize` through either store object, counting against the key's and the account's rate limits. */
export class Authorize implements Operation {
  constructor(
    readonly account: number,
    readonly key: number,
    readonly hash: HashKind,
    readonly via: 0 | 1,
  ) {}
  toString = () => `Authorize(account=${this.account}, key=${this.key}, ${this.hash}, via=${this.via})`;
  bind(model: Model): Bound | null {
    const account = pickAccount(model, this.account);
    if (!account) return null;
    const key = pickKey(account, this.key);
    const hash = presentedHash(key, this.hash);
    const nowMs = model.nowMs;
    return {
      perform: async ({ stores }) => {
        const result = await stores[this.via].authorize({ account_id: account.id, key_id: key.id, hash, now_ms: nowMs, rate_limits: rateRules(key.id) });
        return { result: result.ok ? 'ok' : result.reason };
      },
      expect: (m) => {
        const modelAccount = accountById(m, account.id);
        const refusal = keyRefusal(modelAccount, keyById(modelAccount, key.id), hash, nowMs);
        if (refusal) return refusal;
        const rate = rateCheck(modelAccount, rateRules(key.id), nowMs);
        if (rate.limited) return 'rate_limited';
        rate.commit();
        return 'ok';
      },
    };
  }
}

/**
 * The proxy's `reserve`: a new call, or a call already reserved again (same `call:<id>`:
 * answered with the first entry, nothing debited). A price out of bounds (a fraction, past
 * $1,000,000) is refused before anything; a key without `products:call` is refused
 * `permission_denied` (counted against the rate limits, as every refusal after them). A
 * new call accepted must come with a key that holds `products:call`.
 */
export class Reserve implements Operation {
  constructor(
    readonly account: number,
    readonly key: number,
    readonly hash: HashKind,
    readonly product: string,
    readonly price: number,
    readonly replay: number | null,
    readonly via: 0 | 1,
  ) {}
  toString = () =>
    `Reserve(account=${this.account}, key=${this.key}, ${this.hash}, ${this.product}, ${this.price}${this.replay === null ? '' : `, replay call ${this.replay}`}, via=${this.via})`;
  bind(model: Model): Bound | null {
    const account = pickAccount(model, this.account);
    if (!account) return null;
    const key = pickKey(account, this.key);
    const hash = presentedHash(key, this.hash);
    const replayed = this.replay !== null && account.calls.length > 0 ? account.calls[this.replay % account.calls.length]! : null;
    const callId = replayed?.callId ?? `${model.runToken}-${randomBytes(5).toString('hex')}`;
    const nowMs = model.nowMs;
    const ref = `call:${callId}`;
    return {
      perform: async ({ stores }) => {
        const result = await stores[this.via].reserve(
          {
            account_id: account.id,
            key_id: key.id,
            hash,
            now_ms: nowMs,
            rate_limits: rateRules(key.id, this.product),
            product_id: this.product,
            price_micros: this.price,
            external_ref: ref,
            reason: `${this.product} via ${key.id}`,
            endpoint: callId,
          },
          iso(nowMs),
        );
        if (!result.ok) return { result: result.reason };
        // A replay answers with the first entry (nothing debited) before the permission is read.
        if (!replayed && !result.key.permissions.includes('products:call')) return { result: 'ok_without_products_call' };
        return { result: result.entry.external_ref === ref ? withCrossing('ok', result.crossed) : 'ok_with_another_entry' };
      },
      expect: (m) => {
        if (outOfBounds(this.price, 0)) return 'invalid_amount';
        const modelAccount = accountById(m, account.id);
        const modelKey = keyById(modelAccount, key.id);
        const refusal = keyRefusal(modelAccount, modelKey, hash, nowMs);
        if (refusal) return refusal;
        const rate = rateCheck(modelAccount, rateRules(key.id, this.product), nowMs);
        if (hasRef(modelAccount, ref)) return 'ok'; // a replay: the first entry, not counted
        if (rate.limited) return 'rate_limited';
        rate.commit(); // refusals below still count
        const spent = effectiveSpent(modelKey, nowMs);
        if (!modelKey.permissions.includes('products:call')) return 'permission_denied';
        if (modelKey.allowedProducts !== null && !modelKey.allowedProducts.includes(this.product)) return 'product_not_allowed';
        if (modelKey.spendLimit !== null && spent + this.price > modelKey.spendLimit) return 'spend_limit_reached';
        if (modelAccount.balance < this.price) return 'insufficient_funds';
        const crossed = appendEntry(modelAccount, 'debit', -this.price, ref);
        modelKey.spent = spent + this.price;
        if (modelKey.period !== null) modelKey.spendPeriodStart = periodStart(modelKey.period, nowMs);
        modelAccount.calls.push({
          callId,
          keyId: key.id,
          product: this.product,
          price: this.price,
          reservedMs: nowMs,
          state: 'reserved',
          status: null,
          closedFrom: null,
          usage: null,
        });
        return withCrossing('ok', crossed);
      },
    };
  }
}

// Open calls ---------------------------------------------------------------------------

/** The usage event an instance writes for a call (the call id as its endpoint, so that each event names its call). */
function callUsage(accountId: string, call: ModelCall, cost: number, status: number | null, latency: number): UsageEvent {
  return {
    account_id: accountId,
    key_id: call.keyId,
    product_id: call.product,
    endpoint: call.callId,
    cost_micros: cost,
    upstream_status: status,
    latency_ms: latency,
    at: iso(call.reservedMs),
  };
}

/** The latency an instance measures (the reconciler measures none: 0), so that the usage events tell who closed a call. */
export const SETTLED_LATENCY_MS = 7;
export const REFUNDED_LATENCY_MS = 3;

/**
 * The proxy's refund of a call (`refundCall`, the request path: any open state): the refund
 * entry `refund:<callId>`, the key's spend given back, its usage (cost 0) and the close of
 * the reservation, in one change, once; a call closed before (kept, refunded, by anyone)
 * answers `settled` with nothing changed. `quiet`: the answer without the crossing (in a race
 * with the reconciler, whose refunds may land between). `unanswered`: with the reconciler's
 * `only_states` (reserved, forwarded): an answered call is `skipped`, nothing changed.
 */
export class RefundCall implements Operation {
  constructor(
    readonly account: number,
    readonly call: number,
    readonly via: 0 | 1,
    readonly quiet = false,
    readonly unanswered = false,
  ) {}
  toString = () => `RefundCall(account=${this.account}, call=${this.call}, via=${this.via}${this.unanswered ? ', only reserved or forwarded' : ''})`;
  bind(model: Model): Bound | null {
    const account = pickAccount(model, this.account);
    if (!account || account.calls.length === 0) return null;
    const call = account.calls[this.call % account.calls.length]!;
    const nowMs = model.nowMs;
    return {
      perform: async ({ stores }) => {
        const result = await stores[this.via].refundCall(
          {
            ref: `call:${call.callId}`,
            reason: `${call.product} refunded: upstream failed`,
            usage: callUsage(account.id, call, call.price, 502, REFUNDED_LATENCY_MS),
            ...(this.unanswered ? { only_states: ['reserved' as const, 'forwarded' as const] } : {}),
          },
          iso(nowMs),
        );
        if (result.outcome === 'skipped') return { result: `skipped ${result.state}` };
        if (result.outcome !== 'refunded') return { result: result.outcome };
        return { result: this.quiet ? 'refunded' : withCrossing('refunded', result.crossed) };
      },
      expect: (m) => {
        const modelAccount = accountById(m, account.id);
        const modelCall = callById(modelAccount, call.callId);
        if (!isOpen(modelCall)) return 'settled';
        if (this.unanswered && modelCall.state === 'answered') return 'skipped answered';
        const crossed = refundOpenCall(modelAccount, modelCall, nowMs, { status: 502, latency: REFUNDED_LATENCY_MS, by: 'instance' });
        return this.quiet ? 'refunded' : withCrossing('refunded', crossed);
      },
    };
  }
}

/** What an instance does with a call after its reserve: the request goes upstream, an answer begins, the call is over and its charge kept. */
export type CallAction = 'forward' | 'answer' | 'settle';

/** The state an instance knows a call in: the last change it holds in memory (a settlement: kept), or the store's. */
function localState(buffer: Buffered[], call: ModelCall): ModelCall['state'] {
  for (let index = buffer.length - 1; index >= 0; index--) {
    const item = buffer[index]!;
    if (item.callId === call.callId) return item.kind === 'transition' ? item.state : 'kept';
  }
  return call.state;
}

/**
 * The proxy's off-path batch (`CallRecorder` → `settleCalls`), held in the instance's memory
 * (`model.buffers[via]`) until `flush`: a call forwarded, answered (with the upstream's
 * status), or settled — the charge kept, its usage (cost = price) written and its
 * reservation closed, only if still open (a late settlement of a call the reconciler or a
 * refund closed changes nothing). The store applies a batch's state changes first (to open
 * calls only), then its settlements. A crash drops what is held (`Reconcile`).
 */
export class CallStep implements Operation {
  constructor(
    readonly account: number,
    readonly call: number,
    readonly action: CallAction,
    readonly status: number,
    readonly via: 0 | 1,
    readonly flush: boolean,
    /** Only when the instance holds nothing else: a batch of this one change (racing a reconciler: see `reconcileRace`). */
    readonly alone = false,
  ) {}
  toString = () =>
    `CallStep(account=${this.account}, call=${this.call}, ${this.action}${this.action === 'answer' ? ` ${this.status}` : ''}, via=${this.via}${this.flush ? ', flush' : ''})`;
  bind(model: Model): Bound | null {
    const account = pickAccount(model, this.account);
    if (!account || account.calls.length === 0) return null;
    const call = account.calls[this.call % account.calls.length]!;
    if (this.alone && model.buffers[this.via].length > 0) return null;
    const local = localState(model.buffers[this.via], call);
    if (this.action === 'forward' && local !== 'reserved') return null;
    if (this.action === 'answer' && local !== 'reserved' && local !== 'forwarded') return null;
    const item: Buffered =
      this.action === 'settle'
        ? {
            kind: 'settle',
            accountId: account.id,
            callId: call.callId,
            status: local === 'answered' ? (lastStatus(model.buffers[this.via], call) ?? 200) : 200,
          }
        : {
            kind: 'transition',
            accountId: account.id,
            callId: call.callId,
            state: this.action === 'forward' ? 'forwarded' : 'answered',
            status: this.action === 'answer' ? this.status : null,
          };
    // As the CallRecorder: a settled call's unwritten state change is never sent.
    const kept = (held: Buffered) => this.action !== 'settle' || held.kind !== 'transition' || held.callId !== call.callId;
    const batch = [...model.buffers[this.via].filter(kept), item];
    // The calls as bound, for the usage of the settlements (their price, key, product and reserve time never change).
    const calls = new Map(model.accounts.flatMap((candidate) => candidate.calls.map((modelled) => [modelled.callId, modelled] as const)));
    return {
      perform: async ({ stores }) => {
        if (!this.flush) return { result: 'held' };
        const transitions: CallTransition[] = [];
        const settlements: CallSettlement[] = [];
        for (const held of batch) {
          const ref = `call:${held.callId}`;
          if (held.kind === 'transition') transitions.push({ account_id: held.accountId, ref, state: held.state, upstream_status: held.status });
          else
            settlements.push({
              ref,
              usage: callUsage(held.accountId, calls.get(held.callId)!, calls.get(held.callId)!.price, held.status, SETTLED_LATENCY_MS),
            });
        }
        await stores[this.via].settleCalls(transitions, settlements);
        return { result: 'written', tally: `written ${transitions.length}+${settlements.length}` };
      },
      expect: (m) => {
        m.buffers[this.via] = [...m.buffers[this.via].filter(kept), item];
        if (!this.flush) return 'held';
        const held = m.buffers[this.via];
        m.buffers[this.via] = [];
        for (const change of held) {
          if (change.kind !== 'transition') continue;
          const modelled = callById(accountById(m, change.accountId), change.callId);
          if (!isOpen(modelled)) continue;
          modelled.state = change.state;
          modelled.status = change.status;
        }
        for (const change of held) {
          if (change.kind === 'settle')
            keepCall(callById(accountById(m, change.accountId), change.callId), { status: change.status, latency: SETTLED_LATENCY_MS, by: 'instance' });
        }
        return 'written';
      },
    };
  }
}

function lastStatus(buffer: Buffered[], call: ModelCall): number | null {
  for (let index = buffer.length - 1; index >= 0; index--) {
    const item = buffer[index]!;
    if (item.callId === call.callId && item.kind === 'transition') return item.status;
  }
  return call.status;
}

/** Collects what a component logs at `error`, so that a failed pass (which the reconciler only logs) fails the step. */
function errorLogger(): { logger: FastifyBaseLogger; errors: string[] } {
  const errors: string[] = [];
  const logger = pino({ level: 'error' }, { write: (line: string) => void errors.push(line) }) as unknown as FastifyBaseLogger;
  return { logger, errors };
}

/**
 * Crash and reconcile: instance `via` is killed (`crash`: whatever it held in memory for its
 * next batch is lost, so those calls never get their settlement, and its store object starts
 * again with empty caches: `Real.restart`), `waitMs` pass, and the real
 * `CallReconciler` runs a pass on store object `via` with its clock at now + `aheadMs` (a
 * reconciler whose clock reads later: old calls without moving the model's time, so it can
 * race in a group). Open calls reserved longer ago than SETTLE_AFTER_MS are settled by the
 * rule: `reserved` and `forwarded` refunded (`refundCall` with `only_states`), `answered`
 * kept (`settleCalls`, cost = price). The answer is the number it refunded (`quiet`: just
 * `ok`, in a race: a pass is a series of atomic changes, not one, so two passes may share
 * the calls between them; the invariants then tell who closed each call, once). `kept`
 * counts what it listed, not what it closed, and is only tallied.
 */
export class Reconcile implements Operation {
  constructor(
    readonly via: 0 | 1,
    readonly crash: boolean,
    readonly waitMs: number,
    readonly aheadMs = 0,
    readonly quiet = false,
  ) {}
  toString = () =>
    `Reconcile(via=${this.via}${this.crash ? ', after a crash' : ''}${this.waitMs ? `, ${this.waitMs / 1000}s later` : ''}${this.aheadMs ? `, clock ${this.aheadMs / 1000}s ahead` : ''})`;
  bind(model: Model): Bound {
    const nowMs = model.nowMs + this.waitMs + this.aheadMs;
    return {
      perform: async (real) => {
        if (this.crash) await real.restart(this.via);
        const { stores } = real;
        const { logger, errors } = errorLogger();
        const reconciler = new CallReconciler({
          store: stores[this.via],
          logger,
          now: () => new Date(nowMs),
          settleAfterMs: SETTLE_AFTER_MS,
          intervalMs: 60_000,
        });
        const outcome = await reconciler.reconcile();
        if (errors.length > 0) return { result: `failed: ${errors.join(' ')}` };
        return {
          result: this.quiet ? 'ok' : `refunded ${outcome.refunded}`,
          tally: `refunded ${outcome.refunded}, kept ${outcome.kept}${this.crash ? ' after a crash' : ''}`,
        };
      },
      expect: (m) => {
        if (this.crash) m.buffers[this.via] = [];
        m.nowMs += this.waitMs;
        const before = nowMs - SETTLE_AFTER_MS;
        let refunded = 0;
        for (const account of m.accounts) {
          for (const call of account.calls) {
            if (!isOpen(call) || call.reservedMs >= before) continue;
            if (call.state === 'answered') keepCall(call, { status: call.status, latency: 0, by: 'reconciler' });
            else {
              refundOpenCall(account, call, nowMs, { status: null, latency: 0, by: 'reconciler' });
              refunded += 1;
            }
          }
        }
        // A call reserved from now on is younger than the threshold, whatever the reconciler's clock said.
        m.reconciledBeforeMs = Math.max(m.reconciledBeforeMs, Math.min(before, m.nowMs));
        return this.quiet ? 'ok' : `refunded ${refunded}`;
      },
    };
  }
}

/** What `ChangeThenReserve` changes: each is a change of the key's or the account's revision. */
export type RevisionChange = 'revoke' | 'disable' | 'enable' | 'suspend' | 'activate' | 'rotate' | 'drop_call' | 'grant_all';

function revisionChange(account: number, key: number, change: RevisionChange, via: 0 | 1): Operation {
  switch (change) {
    case 'revoke':
      return new RevokeKey(account, key, via);
    case 'disable':
      return new UpdateKey(account, key, { enabled: false }, via);
    case 'enable':
      return new UpdateKey(account, key, { enabled: true }, via);
    case 'suspend':
      return new SetStatus(account, 'suspended', via);
    case 'activate':
      return new SetStatus(account, 'active', via);
    case 'rotate':
      return new RotateKey(account, key, null, via);
    case 'drop_call':
      return new UpdateKey(account, key, { permissions: ['billing:read', 'billing:write', 'keys:manage'] }, via);
    case 'grant_all':
      return new UpdateKey(account, key, { permissions: [...PERMISSIONS] }, via);
  }
}

/**
 * Revisions: a reserve through store object B (which caches the key and account it let
 * through), a change of the key or account through object A, then at once another
 * reserve through B with the same secret. B must answer from the change — a revoked,
 * disabled, rotated-out key, a suspended account, a key without `products:call` refused;
 * one enabled, restored or granted again let through — never from its cached snapshot.
 */
export class ChangeThenReserve implements Operation {
  constructor(
    readonly account: number,
    readonly key: number,
    readonly change: RevisionChange,
    readonly via: 0 | 1,
  ) {}
  toString = () => `ChangeThenReserve(account=${this.account}, key=${this.key}, ${this.change} via=${this.via}, reserves via=${1 - this.via})`;
  bind(model: Model): Bound | null {
    const other = (1 - this.via) as 0 | 1;
    const warm = new Reserve(this.account, this.key, 'current', 'echo', 100, null, other).bind(model);
    const change = revisionChange(this.account, this.key, this.change, this.via).bind(model);
    // Bound before the change: the secret presented is the one current now (a rotation retires it).
    const next = new Reserve(this.account, this.key, 'current', 'echo', 100, null, other).bind(model);
    if (!warm || !change || !next) return null;
    const steps = [warm, change, next];
    return {
      perform: async (real) => {
        const answers: string[] = [];
        for (const step of steps) answers.push((await performOn(step, real)).result);
        return { result: answers.join(' / '), tally: `${this.change} then ${answers[2]}` };
      },
      expect: (m, actual) => steps.map((step) => step.expect(m, actual)).join(' / '),
    };
  }
}

// Webhook de-duplication ---------------------------------------------------------------

/** A webhook event arrives: `claimIdempotent` claims it for the first caller; a repeat sees it running or done. */
export class ClaimEvent implements Operation {
  constructor(readonly event: number) {}
  toString = () => `ClaimEvent(evt_${this.event})`;
  bind(model: Model): Bound {
    const scope = `model:${model.runToken}`;
    const id = `evt_${this.event}`;
    return {
      perform: async ({ stores }) => {
        const stored = await stores[0].claimIdempotent(scope, id, 'fingerprint', 3600);
        return { result: stored === null ? 'claimed' : stored.state };
      },
      expect: (m) => {
        const state = m.events[id];
        if (state) return state;
        m.events[id] = 'pending';
        return 'claimed';
      },
    };
  }
}

/** The claimer finishes: saves its answer, or releases the claim (a failed delivery, so that the retry runs afresh). */
export class FinishEvent implements Operation {
  constructor(
    readonly event: number,
    readonly finish: 'save' | 'release',
  ) {}
  toString = () => `FinishEvent(evt_${this.event}, ${this.finish})`;
  bind(model: Model): Bound | null {
    const scope = `model:${model.runToken}`;
    const id = `evt_${this.event}`;
    if (model.events[id] !== 'pending') return null; // only the claimer finishes
    return {
      perform: async ({ stores }) => {
        if (this.finish === 'save') await stores[0].saveIdempotent(scope, id, 'fingerprint', 200, '{"outcome":"credited"}', 3600);
        else await stores[0].releaseIdempotent(scope, id);
        return { result: 'ok' };
      },
      expect: (m) => {
        if (this.finish === 'save') m.events[id] = 'done';
        else delete m.events[id];
        return 'ok';
      },
    };
  }
}

/** A Telegram update arrives: `markSeen` is true the first time only. */
export class SeeUpdate implements Operation {
  constructor(readonly update: number) {}
  toString = () => `SeeUpdate(${this.update})`;
  bind(model: Model): Bound {
    const namespace = `model:${model.runToken}`;
    const id = String(this.update);
    return {
      perform: async ({ stores }) => ({ result: (await stores[0].markSeen(namespace, id, 3600)) ? 'first' : 'seen' }),
      expect: (m) => {
        if (m.seen.includes(id)) return 'seen';
        m.seen.push(id);
        return 'first';
      },
    };
  }
}

// Time --------------------------------------------------------------------------------

/** Model time moves on: rate windows turn over, spend periods begin, grace periods and keys expire. */
export class Tick implements Operation {
  constructor(readonly ms: number) {}
  toString = () => `Tick(${this.ms / 1000}s)`;
  bind(): Bound {
    return {
      perform: async () => ({ result: 'ok' }),
      expect: (m) => {
        m.nowMs += this.ms;
        return 'ok';
      },
    };
  }
}
