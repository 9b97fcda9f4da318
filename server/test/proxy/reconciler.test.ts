/**
 * The reconciler's rule, on both stores: of the calls a crash left open, those older than
 * the longest timeout + grace are settled — `reserved` and `forwarded` refunded, `answered`
 * kept — each once, with its usage, however many reconcilers run; younger ones are left to
 * their instance.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createStore, type Store } from '@kikuai/server';
import { CallReconciler } from '../../src/proxy/call-reconciler.js';
import { REDIS_URL, STORE_KINDS } from '@kikuai/testkit/stores';
import { deleteRedisPrefix, uniqueRedisPrefix } from '@kikuai/testkit/redis';
import { newKey, reserveRequest, usageEvent } from '../support/store.js';

const T0 = Date.parse('2026-03-04T10:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

/** A new account with one key and 10,000 micro-USD. */
async function fundedAccount(store: Store) {
  const key = newKey();
  const { account } = await store.register({ id: 600_000_000 + Math.floor(Math.random() * 1e8) }, key, iso(T0));
  await store.applyLedger({ account_id: account.id, kind: 'credit', amount_micros: 10_000, reason: 'seed', external_ref: 'seed' }, iso(T0));
  return { account, key };
}

describe.each(STORE_KINDS)('call reconciler (%s store)', (storeKind) => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'kikuai-reconcile-'));
  const keyPrefix = uniqueRedisPrefix('kikuai-reconcile');
  const open = () => createStore({ redisUrl: storeKind === 'redis' ? REDIS_URL : undefined, dataDir, keyPrefix });
  const stores: Store[] = [];

  afterAll(async () => {
    if (storeKind === 'redis') {
      await deleteRedisPrefix(REDIS_URL, keyPrefix);
    }
    for (const store of stores) await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refunds reserved and forwarded calls, keeps answered ones, once, with their usage, and leaves young ones alone', async () => {
    const store = open();
    const second = open();
    stores.push(store, second);
    const { account, key } = await fundedAccount(store);
    const reserve = (ref: string, nowMs: number) =>
      store.reserve(reserveRequest(account.id, key, { now_ms: nowMs, external_ref: `call:${ref}`, reason: 'reliapi/llm', endpoint: 'llm' }), iso(nowMs));
    for (const ref of ['reserved', 'forwarded', 'answered']) expect((await reserve(ref, T0)).ok).toBe(true);
    expect((await reserve('young', T0 + 50_000)).ok).toBe(true);
    await store.settleCalls(
      [
        { account_id: account.id, ref: 'call:forwarded', state: 'forwarded' },
        { account_id: account.id, ref: 'call:answered', state: 'answered', upstream_status: 200 },
      ],
      [],
    );

    // Two instances reconcile at once, 61 s after T0, with a 60 s timeout + grace.
    const logger = pino({ level: 'silent' });
    const reconciler = (on: Store) => new CallReconciler({ store: on, logger, now: () => new Date(T0 + 61_000), settleAfterMs: 60_000, intervalMs: 60_000 });
    const outcomes = await Promise.all([reconciler(store).reconcile(), reconciler(second).reconcile()]);
    expect(outcomes.reduce((sum, outcome) => sum + outcome.refunded, 0)).toBe(2);

    const entries = (await store.listLedger(account.id, { limit: 20 })).items;
    expect(
      entries
        .filter((entry) => entry.kind === 'refund')
        .map((entry) => entry.external_ref)
        .sort(),
    ).toEqual(['refund:forwarded', 'refund:reserved']);
    expect((await store.getAccount(account.id))!.balance_micros).toBe(10_000 - 2000);
    expect(await store.sumLedger(account.id)).toBe(10_000 - 2000);
    expect(await store.getUsage(account.id, '2026-03-04', '2026-03-04')).toEqual([
      { day: '2026-03-04', product_id: 'reliapi', key_id: key.id, requests: 3, errors: 2, cost_micros: 1000, latency_ms_total: 0 },
    ]);
    expect((await store.listOpenCalls(Number.MAX_SAFE_INTEGER, 10)).map((call) => call.ref)).toEqual(['call:young']);

    // The dead instance's late settlement of a call already settled changes nothing.
    await store.settleCalls(
      [],
      [
        {
          ref: 'call:answered',
          usage: usageEvent(account.id, key.id, { latency_ms: 5 }),
        },
      ],
    );
    expect((await store.getUsage(account.id, '2026-03-04', '2026-03-04'))[0]!.requests).toBe(3);
  });

  it('keeps a call answered between its listing and its refund in the same pass (found by the store model)', async () => {
    const store = open();
    const late = open();
    stores.push(store, late);
    const { account, key } = await fundedAccount(store);
    const reserved = await store.reserve(reserveRequest(account.id, key, { external_ref: 'call:mid-pass', reason: 'reliapi/llm', endpoint: 'llm' }), iso(T0));
    expect(reserved.ok).toBe(true);

    // A late instance's batch (the call answered, 201) lands after the reconciler listed the call as reserved, before its refund.
    const racing = new Proxy(store, {
      get(target, name) {
        if (name === 'listOpenCalls') {
          return async (before: number, limit: number) => {
            const listed = await target.listOpenCalls(before, limit);
            await late.settleCalls([{ account_id: account.id, ref: 'call:mid-pass', state: 'answered', upstream_status: 201 }], []);
            return listed;
          };
        }
        const value: unknown = Reflect.get(target, name);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    const logger = pino({ level: 'silent' });
    const outcome = await new CallReconciler({
      store: racing,
      logger,
      now: () => new Date(T0 + 61_000),
      settleAfterMs: 60_000,
      intervalMs: 60_000,
    }).reconcile();

    // Answered: kept by the rule, in this pass — not refunded, not left open for the next one.
    expect(outcome).toEqual({ refunded: 0, kept: 1 });
    expect((await store.listOpenCalls(Number.MAX_SAFE_INTEGER, 1000)).filter((call) => call.account_id === account.id)).toEqual([]);
    expect(await store.findLedgerEntry(account.id, 'refund:mid-pass')).toBeNull();
    expect((await store.getAccount(account.id))!.balance_micros).toBe(9000);
    expect(await store.getUsage(account.id, '2026-03-04', '2026-03-04')).toEqual([
      { day: '2026-03-04', product_id: 'reliapi', key_id: key.id, requests: 1, errors: 0, cost_micros: 1000, latency_ms_total: 0 },
    ]);
    expect((await store.listUsageEvents(account.id, 10)).map((event) => event.upstream_status)).toEqual([201]);
  });
});
