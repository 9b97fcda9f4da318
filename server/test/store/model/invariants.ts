/**
 * What must hold after every step, read from the store (through `stores[0]`, and a key's
 * refusal through `stores[1]` too, whose snapshots must have followed):
 * - balance = Σ ledger ≥ 0 (`sumLedger`, and the entries listed page by page), each
 *   entry's `balance_after_micros` the running sum, never negative; the balance at most
 *   the ceiling (MAX_BALANCE: every balance of the suite got where it is by increases the
 *   ceiling let through, or by decreases), unless a call's refund took it past;
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
 *   owner's ledger holds its credit;
 * - open calls, each call open, kept or refunded once, the reconciler's rule, usage =
 *   charges (`checkCalls`).
 */
import { expect } from 'vitest';
import { isErrorStatus } from '../../../src/store/logic.js';
import type { LedgerEntry, OpenCall, UsageEvent } from '../../../src/store/types.js';
import { effectiveSpent, isOpen, keyRefusal, MAX_BALANCE, type Model, type ModelAccount, type ModelEntry } from './model.js';
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

const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/**
 * The calls of one account: each open in the store exactly when the model says, in its
 * state; each closed call closed once — kept (no refund, one usage event with cost = its
 * price) or refunded (one `refund:` entry of its price, one usage event with cost 0); the
 * reconciler kept only answered calls and refunded only reserved or forwarded ones; no open
 * call older than the last reconcile's threshold; usage (`getUsage` per day, product and key)
 * is the sum of the model's closed calls, and Σ usage cost = what the ledger charged for
 * the closed calls (usage = charges).
 */
async function checkCalls(model: Model, real: Real, account: ModelAccount, ledger: LedgerEntry[], open: OpenCall[]): Promise<void> {
  const store = real.stores[0];
  const where = `account ${account.id} (${real.kind})`;
  const modelOpen = account.calls.filter(isOpen).map((call) => ({
    ref: `call:${call.callId}`,
    state: call.state,
    status: call.status,
    reserved_ms: call.reservedMs,
    price: call.price,
    key: call.keyId,
    product: call.product,
    endpoint: call.callId,
  }));
  const storedOpen = open.map((call) => ({
    ref: call.ref,
    state: call.state,
    status: call.upstream_status,
    reserved_ms: call.reserved_ms,
    price: call.price_micros,
    key: call.key_id,
    product: call.product_id,
    endpoint: call.endpoint,
  }));
  const byRef = (a: { ref: string }, b: { ref: string }) => a.ref.localeCompare(b.ref);
  expect(storedOpen.sort(byRef), `${where}: the open calls and their states are the model's`).toEqual(modelOpen.sort(byRef));
  for (const call of open) {
    expect(call.reserved_ms, `${where}: ${call.ref} older than the last reconcile's threshold, still open`).toBeGreaterThanOrEqual(model.reconciledBeforeMs);
  }

  const events = await store.listUsageEvents(account.id, 1000);
  const eventsOf = new Map<string, UsageEvent[]>();
  for (const event of events) eventsOf.set(event.endpoint, [...(eventsOf.get(event.endpoint) ?? []), event]);
  const entries = new Map(ledger.filter((entry) => entry.external_ref).map((entry) => [entry.external_ref!, entry]));
  let charged = 0;
  for (const call of account.calls) {
    const debit = entries.get(`call:${call.callId}`);
    const refund = entries.get(`refund:${call.callId}`);
    const written = eventsOf.get(call.callId) ?? [];
    const storeState = open.some((candidate) => candidate.ref === `call:${call.callId}`) ? 'open' : refund ? 'refunded' : 'kept';
    const what = `${where}: call ${call.callId} (${call.state}${call.closedFrom ? ` from ${call.closedFrom}` : ''}${call.usage ? ` by the ${call.usage.by}` : ''})`;
    expect(debit?.amount_micros, `${what}: charged once, its price`).toBe(-call.price || 0);
    expect(storeState, `${what}: open, kept or refunded as the model says`).toBe(isOpen(call) ? 'open' : call.state);
    if (refund) expect(refund.amount_micros, `${what}: refunded its price`).toBe(call.price);
    if (isOpen(call)) {
      expect(written.length, `${what}: an open call has no usage`).toBe(0);
      continue;
    }
    charged += call.price - (refund ? refund.amount_micros : 0);
    const usage = call.usage!;
    expect(
      written.map((event) => ({
        cost: event.cost_micros,
        status: event.upstream_status,
        latency: event.latency_ms,
        key: event.key_id,
        product: event.product_id,
      })),
      `${what}: one usage event, with its cost`,
    ).toEqual([{ cost: usage.cost, status: usage.status, latency: usage.latency, key: call.keyId, product: call.product }]);
    if (usage.by === 'reconciler') {
      // The rule: answered → kept; reserved or forwarded → refunded.
      expect(call.closedFrom === 'answered' ? 'kept' : 'refunded', `${what}: the reconciler's rule`).toBe(call.state);
    }
  }

  // Usage = charges: Σ usage cost is what the closed calls were charged (their debits less their refunds).
  const rows = await store.getUsage(account.id, day(model.nowMs - 2 * 86_400_000 - 31 * 86_400_000), day(model.nowMs + 86_400_000));
  const usageCost = rows.reduce((sum, row) => sum + row.cost_micros, 0);
  expect(usageCost, `${where}: usage cost = charges of the closed calls`).toBe(charged);
  const expected = new Map<
    string,
    { day: string; product_id: string; key_id: string; requests: number; errors: number; cost_micros: number; latency_ms_total: number }
  >();
  for (const call of account.calls) {
    if (!call.usage) continue;
    const id = `${day(call.reservedMs)}|${call.product}|${call.keyId}`;
    const row = expected.get(id) ?? {
      day: day(call.reservedMs),
      product_id: call.product,
      key_id: call.keyId,
      requests: 0,
      errors: 0,
      cost_micros: 0,
      latency_ms_total: 0,
    };
    row.requests += 1;
    row.errors += isErrorStatus(call.usage.status) ? 1 : 0;
    row.cost_micros += call.usage.cost;
    row.latency_ms_total += call.usage.latency;
    expected.set(id, row);
  }
  const rowId = (row: { day: string; product_id: string; key_id: string }) => `${row.day}|${row.product_id}|${row.key_id}`;
  const sortRows = <T extends { day: string; product_id: string; key_id: string }>(list: T[]) => list.sort((a, b) => rowId(a).localeCompare(rowId(b)));
  expect(sortRows(rows.map((row) => ({ ...row }))), `${where}: usage per day, product and key is the model's closed calls`).toEqual(
    sortRows([...expected.values()]),
  );
}

async function checkAccount(model: Model, real: Real, account: ModelAccount, open: OpenCall[]): Promise<void> {
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
  // Only a call's refund may take a balance past the ceiling (it gives back what the call took).
  if (stored!.balance_micros <= MAX_BALANCE) account.pastCeiling = false;
  else expect(account.pastCeiling, `${where}: balance ${stored!.balance_micros} past the ceiling, and not by a call's refund`).toBe(true);

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

  await checkCalls(model, real, account, ledger, open);

  const liveKeys = await store.listKeys(account.id);
  const modelKeys = account.keys.filter((key) => !key.revoked);
  expect(
    liveKeys.map((key) => key.id),
    `${where}: live keys`,
  ).toEqual(modelKeys.map((key) => key.id));
  for (const [index, key] of liveKeys.entries()) {
    const modelled = modelKeys[index]!;
    expect(
      {
        enabled: key.enabled,
        allowed: key.allowed_products,
        permissions: key.permissions,
        limit: key.spend_limit_micros,
        period: key.spend_limit_period,
        spent: key.spent_micros,
        since: key.spend_period_start,
        hash: key.hash,
      },
      `${where}: key ${key.id}`,
    ).toEqual({
      enabled: modelled.enabled,
      allowed: modelled.allowedProducts,
      permissions: modelled.permissions,
      limit: modelled.spendLimit,
      period: modelled.period,
      spent: modelled.spent,
      since: modelled.spendPeriodStart,
      hash: modelled.hash,
    });
    if (key.spend_limit_micros !== null) {
      const spent = effectiveSpent(
        { ...modelled, spent: key.spent_micros, spendPeriodStart: key.spend_period_start, period: key.spend_limit_period },
        model.nowMs,
      );
      expect(
        spent <= key.spend_limit_micros || spent <= modelled.spentWhenLimited,
        `${where}: key ${key.id} spent ${spent} past its limit ${key.spend_limit_micros}`,
      ).toBe(true);
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
        reserve: async () =>
          store.reserve(
            { ...request, product_id: 'echo', price_micros: 1, external_ref: `call:refused-${model.runToken}`, reason: 'refused' },
            new Date(model.nowMs).toISOString(),
          ),
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
    expect({ account: stored?.account_id, topup: stored?.topup_id }, `Stars charge ${chargeId} (${real.kind}): one owner, the first to claim`).toEqual({
      account: owner.accountId,
      topup: owner.topupId,
    });
  }
}

export async function checkInvariants(model: Model, real: Real): Promise<void> {
  // Every call reserved up to now (the suite's runs share the store: only this run's accounts are read).
  const open = await real.stores[0].listOpenCalls(model.nowMs + 1, 10_000);
  for (const account of model.accounts)
    await checkAccount(
      model,
      real,
      account,
      open.filter((call) => call.account_id === account.id),
    );
  await checkCharges(model, real);
}
