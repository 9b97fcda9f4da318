/**
 * Model-based property tests of the store, on SQLite and Redis (issue 13, "Keep it
 * closed"): random sequences of registers, suspensions, low-balance thresholds, operator
 * credits and debits, top-ups and their atomic completion by Paddle transactions or Stars
 * charges (replayed, reordered, racing), global Stars charge claims, refunds, reserves and
 * the proxy's open calls (forwarded, answered, settled through an instance's batch,
 * refunded through `refundCall`, crash and reconcile with the real `CallReconciler`, the
 * reconciler racing a late settlement, a refund or another reconciler), keys with any permissions created, restricted, rotated and revoked
 * through either store object, authorizations with current, previous, rotated-out and
 * forged secrets, webhook and update de-duplication, amounts out of bounds and credits
 * past a small balance ceiling, the clock moving on, and groups of operations issued at
 * once — each step checked against a plain model (`model/`) and followed by the
 * invariants (`model/invariants.ts`). See server/src/store/README.md.
 *
 *   PROPERTY_SEED  the seed (default: random, printed)
 *   PROPERTY_RUNS  sequences per store (default 1,000)
 *   PROPERTY_PATH, PROPERTY_REPLAY, PROPERTY_STORE
 *                  replay one failure: its seed, `path` and `replayPath` as printed, on its store
 *
 * A failure prints the seed, the path and the shrunk sequence of steps (with its replayPath).
 */
import { randomBytes, randomInt } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { OpenCall } from '../../src/store/types.js';
import { STORE_KINDS } from '@kikuai/testkit/stores';
import { storeCommands } from './model/commands.js';
import { newModel, type Model } from './model/model.js';
import { AdminAdjust, Register } from './model/operations.js';
import { openBackend, type Backend, type Real } from './model/real.js';

const SEED = process.env.PROPERTY_SEED ? Number(process.env.PROPERTY_SEED) : randomInt(2 ** 31);
const RUNS = process.env.PROPERTY_RUNS ? Number(process.env.PROPERTY_RUNS) : 1_000;
const PATH = process.env.PROPERTY_PATH || undefined;
const REPLAY = process.env.PROPERTY_REPLAY || undefined;
const KINDS = STORE_KINDS.filter((kind) => !process.env.PROPERTY_STORE || kind === process.env.PROPERTY_STORE);
const MAX_COMMANDS = 35;
/** 22:30 UTC on Tuesday 31 March: an hour's tick crosses a day and a month, a day's tick a week soon after. */
const T0 = Date.parse('2026-03-31T22:30:00.000Z');
const FAR_FUTURE = Date.parse('2100-01-01T00:00:00.000Z');

/** Every run starts with Telegram user 0 registered and credited 10,000 micro-USD, so that its first steps have an account to act on. */
async function startingAccount(model: Model, real: Real): Promise<void> {
  for (const operation of [new Register(0, 0), new AdminAdjust(0, 10_000, 99)]) {
    const bound = operation.bind(model)!;
    bound.expect(model, await bound.perform(real));
  }
}

/**
 * The runs share one store and the reconciler reads every account's open calls: a run
 * leaves none behind (each is closed as kept), and on Redis a second listing drops its
 * accounts from the index of accounts with open calls.
 */
async function closeOpenCalls(real: Real): Promise<void> {
  const store = real.stores[0];
  const open = await store.listOpenCalls(FAR_FUTURE, 100_000);
  const usage = (call: OpenCall) => ({
    account_id: call.account_id,
    key_id: call.key_id,
    product_id: call.product_id,
    endpoint: call.endpoint,
    cost_micros: 0,
    upstream_status: null,
    latency_ms: 0,
    at: new Date(call.reserved_ms).toISOString(),
  });
  if (open.length > 0)
    await store.settleCalls(
      [],
      open.map((call) => ({ ref: call.ref, usage: usage(call) })),
    );
  await store.listOpenCalls(FAR_FUTURE, 1);
}

console.log(`[store-model] seed ${SEED}, ${RUNS} runs per store on ${KINDS.join(' and ')} (PROPERTY_SEED, PROPERTY_RUNS to change)`);

describe.each(KINDS)('store model: %s', (kind) => {
  let backend: Backend;
  /** Each run's Telegram users are `telegramBase + 0..3`: a fresh namespace per run. */
  let nextTelegramBase = randomInt(1, 2 ** 40) * 8;
  let startedAt = 0;

  beforeAll(() => {
    startedAt = Date.now();
    backend = openBackend(kind);
  });
  afterAll(async () => {
    const { runs, commands, operations, results } = backend.real.counts;
    const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
    const reached = Object.entries(results)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, count]) => `${name} ${count}`)
      .join(', ');
    console.log(`[store-model] ${kind}: ${runs} runs, ${commands} steps, ${operations} store operations in ${seconds} s (seed ${SEED})\n  answers: ${reached}`);
    await backend.cleanup();
  });

  it(
    'every step answers as the model does, and balance = Σ ledger ≥ 0, each reference once, no key past its limits or permissions, each call kept or refunded once, usage = charges',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.commands(storeCommands, { maxCommands: MAX_COMMANDS, size: 'max', replayPath: REPLAY }), async (commands) => {
          const real = backend.real;
          real.counts.runs += 1;
          const model = newModel(T0, nextTelegramBase, randomBytes(4).toString('hex'));
          nextTelegramBase += 8;
          try {
            await fc.asyncModelRun(async () => {
              await startingAccount(model, real);
              return { model, real };
            }, commands);
          } finally {
            await closeOpenCalls(real);
          }
        }),
        { seed: SEED, numRuns: RUNS, path: PATH, verbose: fc.VerbosityLevel.Verbose },
      );
    },
    Math.max(180_000, RUNS * 500),
  );
});
