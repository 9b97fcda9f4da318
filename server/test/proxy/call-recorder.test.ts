/**
 * The call recorder's settlements, on both stores: a burst of settled calls reaches the
 * store in bounded batches (each batch is one piece of synchronous work for the event loop:
 * one of 500 held every request behind it for 6–13 ms, which an open-loop load's p99
 * showed), and every call is settled exactly once, with its usage, by the time the
 * recorder closes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createStore, type Store } from '@kikuai/server';
import { CallRecorder } from '../../src/proxy/call-recorder.js';
import type { CallSettlement, CallTransition } from '../../src/store/types.js';
import { REDIS_URL, STORE_KINDS } from '@kikuai/testkit/stores';
import { deleteRedisPrefix, uniqueRedisPrefix } from '@kikuai/testkit/redis';
import { newKey, reserveRequest, usageEvent } from '../support/store.js';

const T0 = Date.parse('2026-03-04T10:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();
const CALLS = 300;

describe.each(STORE_KINDS)('call recorder (%s store)', (storeKind) => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'kikuai-recorder-'));
  const keyPrefix = uniqueRedisPrefix('kikuai-recorder');
  const store = createStore({ redisUrl: storeKind === 'redis' ? REDIS_URL : undefined, dataDir, keyPrefix });

  afterAll(async () => {
    await store.close();
    if (storeKind === 'redis') await deleteRedisPrefix(REDIS_URL, keyPrefix);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(`settles a burst of ${CALLS} calls in batches of at most 128, each call once, with its usage`, async () => {
    const key = newKey();
    const { account } = await store.register({ id: 610_000_000 + Math.floor(Math.random() * 1e8) }, key, iso(T0));
    await store.applyLedger({ account_id: account.id, kind: 'credit', amount_micros: 1_000_000, reason: 'seed', external_ref: 'seed' }, iso(T0));
    const refs: string[] = [];
    for (let call = 0; call < CALLS; call++) {
      const request = reserveRequest(account.id, key, { external_ref: `call:burst-${call}`, now_ms: T0 + call });
      expect((await store.reserve(request, iso(T0 + call))).ok).toBe(true);
      refs.push(request.external_ref);
    }

    // The store as the recorder sees it, with each batch's size noted on the way through.
    const batches: number[] = [];
    const observed = Object.create(store) as Store;
    observed.settleCalls = (transitions: CallTransition[], settlements: CallSettlement[]) => {
      batches.push(settlements.length);
      return store.settleCalls(transitions, settlements);
    };
    const recorder = new CallRecorder(observed, pino({ level: 'silent' }));
    // All answered in one turn of the event loop, as a burst of calls ending together.
    for (const [call, ref] of refs.entries()) {
      recorder.forwarded(account.id, ref);
      recorder.settled(ref, usageEvent(account.id, key.id, { at: iso(T0 + call) }));
    }
    await recorder.close();

    expect(Math.max(...batches)).toBeLessThanOrEqual(128);
    expect(batches.reduce((sum, size) => sum + size, 0)).toBe(CALLS);
    expect(await store.listOpenCalls(T0 + 24 * 3_600_000, 1_000)).toEqual([]);
    const [usage] = await store.getUsage(account.id, iso(T0).slice(0, 10), iso(T0).slice(0, 10));
    expect(usage).toMatchObject({ requests: CALLS, cost_micros: CALLS * 1_000 });
    expect(recorder.openCount).toBe(0);
  });
});
