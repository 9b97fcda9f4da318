/** What the outbox suites (store contract, PostgreSQL) make the store record, and how they wait for the drain. */
import { randomInt } from 'node:crypto';
import { expect } from 'vitest';
import type { Store } from '../../src/store/types.js';
import { T0, newKey, pendingPaddleTopup } from './store.js';

const iso = (ms: number): string => new Date(ms).toISOString();

/** Polls `condition` (an error counts as not yet: the drain may not have made its tables). */
export async function waitFor(what: string, condition: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Every kind of key change, payment change and operator action, and the same changes
 * refused (which write no event): a second key, its update, rotation and revocation; a
 * suspension by the operator and a restoration by nobody in particular; a Stars top-up
 * created, failed, then completed by a charge reported twice; an incident of no account
 * reported twice.
 */
export async function keyPaymentAndOperatorChanges(store: Store) {
  const telegramId = randomInt(1, 2 ** 47);
  const first = newKey();
  const { account } = await store.register({ id: telegramId }, first, iso(T0));
  const accountId = account.id;
  const second = newKey({ name: 'ci' });
  expect((await store.createKey(accountId, second, 2, iso(T0 + 1000))).ok).toBe(true);
  expect(await store.createKey(accountId, newKey(), 2, iso(T0 + 1000))).toEqual({ ok: false, reason: 'too_many_keys' });
  await store.updateKey(accountId, second.id, { name: 'deploy', permissions: ['billing:read'], spend_limit_micros: 5_000, spend_limit_period: 'daily' });
  const rotated = newKey();
  await store.rotateKey(accountId, second.id, { hash: rotated.hash, prefix: rotated.prefix, last_four: rotated.last_four }, iso(T0 + 60_000));
  expect(await store.revokeKey(accountId, second.id, iso(T0 + 2000))).not.toBeNull();
  expect(await store.revokeKey(accountId, second.id, iso(T0 + 2500))).toBeNull();
  expect(await store.updateKey(accountId, second.id, { name: 'gone' })).toBeNull();
  await store.setAccountStatus(accountId, 'suspended', 'chargeback', { actor: 'operator', request_id: 'req-1' });
  await store.setAccountStatus(accountId, 'active', null);
  const topup = await store.createTopup({ ...pendingPaddleTopup(accountId, 2_000_000, iso(T0 + 3000)), method: 'stars', stars: 100, provider_ref: null });
  await store.updateTopup(topup.id, { status: 'failed' });
  const chargeId = `ch_${telegramId}`;
  const completed = await store.completeTopup(
    { topup_id: topup.id, credit: { amount_micros: 2_000_000, reason: 'Stars top-up', external_ref: `stars:${chargeId}` }, provider_ref: chargeId },
    iso(T0 + 4000),
  );
  if (!completed.ok || !completed.applied) throw new Error('the top-up was not completed');
  const charge = { charge_id: chargeId, account_id: accountId, topup_id: topup.id, created_at: iso(T0 + 4000) };
  expect((await store.claimStarsCharge(charge)).claimed).toBe(true);
  expect((await store.claimStarsCharge(charge)).claimed).toBe(false);
  const incident = {
    id: `paddle:evt_${telegramId}`,
    kind: 'paddle_transaction_mismatch',
    account_id: null,
    topup_id: null,
    detail: 'Paddle transaction txn_9 names no top-up of kikuai.',
    created_at: iso(T0 + 5000),
  };
  expect(await store.recordPaymentIncident(incident)).toBe(true);
  expect(await store.recordPaymentIncident(incident)).toBe(false);
  return { accountId, first, second, rotated, topup, chargeId, incident, paidBy: completed.entry.id };
}
