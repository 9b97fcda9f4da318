/**
 * What must hold after every step, read from the store (through `stores[0]`, and a key's
 * refusal through `stores[1]` too, whose snapshots must have followed):
 * - balance = Σ ledger ≥ 0 (`sumLedger`, and the entries listed page by page), each
 *   entry's `balance_after_micros` the running sum, never negative; the balance at most
 *   the ceiling (MAX_BALANCE: every balance of the suite got where it is by increases the
 *   ceiling let through, or by decreases);
 * - no external reference applied twice;
 * - the ledger holds exactly the model's entries (same kinds, amounts, references:
 *   nothing charged that the model refused, no payment credited twice), and the balance,
 *   status and low-balance flag are the model's;
 * - live keys, their restrictions, permissions and spend are the model's; no key has
 *   spent past its limit in the current period (unless the limit was lowered below what it
 *   had spent);
 * - a key the model refuses with its current secret (revoked, disabled, expired, its
 *   account suspended) is refused for that reason by both store objects, on authorize and
 *   on reserve: whichever object made the change, the other's cached snapshot must not
 *   let the very next request through;
 * - top-ups have the model's status, amount and provider reference; a completed top-up's
 *   `ledger_entry_id` is the entry of the credit that completed it; no top-up is credited
 *   twice (at most one ledger credit names it, whatever its reference);
 * - each Stars charge has the one owner the model says (`getStarsCharge`), and only its
 *   owner's ledger holds its credit.
 */
import { expect } from 'vitest';
import type { LedgerEntry } from '../../../src/store/types.js';
import { effectiveSpent, keyRefusal, MAX_BALANCE, type Model, type ModelAccount, type ModelEntry } from './model.js';
import type { Real } from './real.js';

async function wholeLedger(real: Real, accountId: string): Promise<LedgerEntry[]> {
  const entries: LedgerEntry[] = [];
  let cursor: string | null = null;
  do {
    const page = await real.stores[0].listLedger(accountId, { limit: 100, cursor });
    entries.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor);
  return entries.reverse(); // oldest first
}

const entryWord = (entry: ModelEntry): string => `${entry.kind} ${entry.amount} ${entry.ref ?? '-'}`;

async function checkAccount(model: Model, real: Real, account: ModelAccount): Promise<void> {
  const store = real.stores[0];
  const where = `account ${account.id} (${real.kind})`;
  const stored = await store.getAccount(account.id);
  expect(stored, `${where}: exists`).not.toBeNull();
  expect(stored!.balance_micros, `${where}: balance is the model's`).toBe(account.balance);
  expect(stored!.status, `${where}: status is the model's`).toBe(account.status);
  expect(
    { threshold: stored!.low_balance_threshold_micros, notified: stored!.low_balance_notified },
    `${where}: low-balance threshold and flag are the model's`,
  ).toEqual({ threshold: account.lowBalanceThreshold, notified: account.lowBalanceNotified });
  expect(await store.sumLedger(account.id), `${where}: balance = Σ ledger`).toBe(stored!.balance_micros);
  expect(stored!.balance_micros, `${where}: balance ≥ 0`).toBeGreaterThanOrEqual(0);
  expect(stored!.balance_micros, `${where}: balance ≤ the ceiling`).toBeLessThanOrEqual(MAX_BALANCE);

  const ledger = await wholeLedger(real, account.id);
  let running = 0;
  const refs = new Set<string>();
  for (const entry of ledger) {
    running += entry.amount_micros;
    expect(entry.balance_after_micros, `${where}: ${entry.id} balance_after is the running sum`).toBe(running);
    expect(entry.balance_after_micros, `${where}: ${entry.id} never below 0`).toBeGreaterThanOrEqual(0);
    if (entry.external_ref) {
      expect(refs.has(entry.external_ref), `${where}: ${entry.external_ref} applied twice`).toBe(false);
      refs.add(entry.external_ref);
    }
  }
  // Concurrent steps may commit in another order than the model applied them: compare as multisets.
  const storedWords = ledger.map((entry) => entryWord({ kind: entry.kind, amount: entry.amount_micros, ref: entry.external_ref })).sort();
  expect(storedWords, `${where}: the ledger is the model's`).toEqual(account.ledger.map(entryWord).sort());

  const liveKeys = await store.listKeys(account.id);
  const modelKeys = account.keys.filter((key) => !key.revoked);
  expect(liveKeys.map((key) => key.id), `${where}: live keys`).toEqual(modelKeys.map((key) => key.id));
  for (const [index, key] of liveKeys.entries()) {
    const modelled = modelKeys[index]!;
    expect(
      { enabled: key.enabled, allowed: key.allowed_products, permissions: key.permissions, limit: key.spend_limit_micros, period: key.spend_limit_period, spent: key.spent_micros, since: key.spend_period_start, hash: key.hash },
      `${where}: key ${key.id}`,
    ).toEqual({ enabled: modelled.enabled, allowed: modelled.allowedProducts, permissions: modelled.permissions, limit: modelled.spendLimit, period: modelled.period, spent: modelled.spent, since: modelled.spendPeriodStart, hash: modelled.hash });
    if (key.spend_limit_micros !== null) {
      const spent = effectiveSpent({ ...modelled, spent: key.spent_micros, spendPeriodStart: key.spend_period_start, period: key.spend_limit_period }, model.nowMs);
      expect(spent <= key.spend_limit_micros || spent <= modelled.spentWhenLimited, `${where}: key ${key.id} spent ${spent} past its limit ${key.spend_limit_micros}`).toBe(true);
    }
  }
  for (const [index, key] of account.keys.entries()) {
    const expected = keyRefusal(account, key, key.hash, model.nowMs);
    if (!expected) continue;
    for (const [via, store] of real.stores.entries()) {
      // A refused key counts against no rate limit and is charged nothing: asking changes nothing.
      const request = { account_id: account.id, key_id: key.id, hash: key.hash, now_ms: model.nowMs, rate_limits: [] };
      const ask = {
        authorize: async () => store.authorize(request),
        reserve: async () => store.reserve({ ...request, product_id: 'echo', price_micros: 1, external_ref: `call:refused-${model.runToken}`, reason: 'refused' }, new Date(model.nowMs).toISOString()),
      };
      // Either call may be the first after the change (the one a stale snapshot would let through): alternate.
      for (const call of (index + via) % 2 === 0 ? (['authorize', 'reserve'] as const) : (['reserve', 'authorize'] as const)) {
        const answer = await ask[call]();
        expect(answer.ok ? 'ok' : answer.reason, `${where}: key ${key.id} must be refused by ${call} via ${via}`).toBe(expected);
      }
    }
  }

  for (const topup of account.topups) {
    const stored = await store.getTopup(topup.id);
    const entry = topup.entryRef ? ledger.find((candidate) => candidate.external_ref === topup.entryRef) : null;
    expect(
      { status: stored?.status, provider_ref: stored?.provider_ref, amount: stored?.amount_micros, ledger_entry_id: stored?.ledger_entry_id },
      `${where}: top-up ${topup.id} (its ledger_entry_id the entry of ${topup.entryRef ?? 'no credit'})`,
    ).toEqual({ status: topup.status, provider_ref: topup.providerRef, amount: topup.amount, ledger_entry_id: entry?.id ?? null });
    // Completions name their top-up in the reason: one credit at most, whichever transactions or charges came.
    const credits = ledger.filter((candidate) => candidate.kind === 'credit' && candidate.reason.startsWith(`Top-up ${topup.id} `));
    expect(credits.length, `${where}: top-up ${topup.id} credited by ${credits.map((credit) => credit.external_ref).join(', ')}`).toBeLessThanOrEqual(1);
  }
  for (const entry of ledger) {
    if (!entry.external_ref?.startsWith('stars:')) continue;
    const owner = await store.getStarsCharge(entry.external_ref.slice('stars:'.length));
    expect(owner?.account_id, `${where}: ${entry.external_ref} credited to an account that does not own the charge`).toBe(account.id);
  }
}

async function checkCharges(model: Model, real: Real): Promise<void> {
  for (const [chargeId, owner] of Object.entries(model.charges)) {
    const stored = await real.stores[1].getStarsCharge(chargeId);
    expect({ account: stored?.account_id, topup: stored?.topup_id }, `Stars charge ${chargeId} (${real.kind}): one owner, the first to claim`).toEqual({ account: owner.accountId, topup: owner.topupId });
  }
}

export async function checkInvariants(model: Model, real: Real): Promise<void> {
  for (const account of model.accounts) await checkAccount(model, real, account);
  await checkCharges(model, real);
}
