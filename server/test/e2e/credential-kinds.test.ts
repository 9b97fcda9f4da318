/**
 * Function-level authorization (OWASP API5:2023, docs/security.md): every operation takes
 * only the kinds of credential its `security` in openapi.yaml names. A valid credential of
 * another kind — a full-access API key, the bot's service token acting for the account's
 * own user, the Mini App's initData of that user, the operator's admin token — is 401 on
 * it, with a valid request otherwise, and changes nothing. The operations come from the
 * spec, so a new one fails here until it has a request below.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInitData } from '@kikuai/testkit';
import { listOperations, loadSpec } from '../../src/app.js';
import { STORE_KINDS } from '@kikuai/testkit/stores';
import type { Auth } from '../support/http.js';
import { startPaymentsWorld, type PaymentsWorld } from '../payments/support.js';

type Kind = 'apiKey' | 'botService' | 'telegramInitData' | 'adminToken';
const KINDS: Kind[] = ['apiKey', 'botService', 'telegramInitData', 'adminToken'];

interface Fixture {
  accountId: string;
  telegramId: number;
  keyId: string;
  topupId: string;
}

/** What each operation needs besides its path, so that the right caller would be served: query and body. */
const REQUESTS: Record<string, (fixture: Fixture) => { query?: string; body?: unknown }> = {
  registerAccount: (f) => ({ body: { telegram_user: { id: f.telegramId, first_name: 'Ann' } } }),
  getMe: () => ({}),
  updateMe: () => ({ body: { language_code: 'en' } }),
  listApiKeys: () => ({}),
  createApiKey: () => ({ body: { name: 'intruder' } }),
  getApiKey: () => ({}),
  updateApiKey: () => ({ body: { enabled: false } }),
  revokeApiKey: () => ({}),
  rotateApiKey: () => ({ body: {} }),
  getBalance: () => ({}),
  getUsage: () => ({}),
  listHistory: () => ({}),
  listDailyHistory: () => ({}),
  getTopupOptions: () => ({}),
  createTopup: () => ({ body: { method: 'stars', amount_micros: 1_000_000 } }),
  getTopup: () => ({}),
  checkStarsPreCheckout: (f) => ({ body: { invoice_payload: f.topupId, currency: 'XTR', total_amount: 77 } }),
  recordStarsPayment: (f) => ({
    body: { invoice_payload: 'forwarded', currency: 'XTR', total_amount: 77, telegram_payment_charge_id: `intruder-${f.accountId}` },
  }),
  recordStarsRefund: (f) => ({ body: { telegram_payment_charge_id: `paid-${f.accountId}` } }),
  proxyLlm: () => ({ body: { prompt: 'hi' } }),
  proxyHttp: () => ({ body: { url: '/' } }),
  callProduct: () => ({ body: {} }),
  adminFindAccounts: (f) => ({ query: `account_id=${f.accountId}` }),
  adminGetAccount: () => ({}),
  adminCreateAccount: () => ({ body: { name: 'intruder' } }),
  adminAdjustCredit: () => ({ body: { amount_micros: 5_000_000, reason: 'intruder' } }),
  adminSuspendAccount: () => ({ body: { reason: 'intruder' } }),
  adminRestoreAccount: () => ({}),
  adminListPaymentIncidents: () => ({}),
  adminGetStats: () => ({}),
  adminListAccountEvents: () => ({}),
  adminRefundTopup: () => ({ body: { reason: 'intruder' } }),
};

/** The spec's path with the fixture's ids in it. */
function pathOf(template: string, fixture: Fixture): string {
  const values: Record<string, string> = {
    key_id: fixture.keyId,
    topup_id: fixture.topupId,
    account_id: fixture.accountId,
    product_id: 'reliapi',
    endpoint_id: 'http',
  };
  return template.replace(/\{([^}]+)\}/g, (_match, name: string) => {
    if (!values[name]) throw new Error(`no value for the path parameter ${name}`);
    return encodeURIComponent(values[name]);
  });
}

const { document } = loadSpec();
const guarded = listOperations(document)
  .map(({ method, path, operation }) => {
    const security = (operation as unknown as { security?: Array<Record<string, unknown>> }).security ?? [];
    const accepted = new Set(security.flatMap((requirement) => Object.keys(requirement)));
    return { method, path, id: operation.operationId, refused: KINDS.filter((kind) => !accepted.has(kind)), open: security.length === 0 };
  })
  .filter(({ open }) => !open);

describe('the operations guarded by a credential', () => {
  it('each has a request in this test', () => {
    expect(guarded.map(({ id }) => id).filter((id) => !REQUESTS[id])).toEqual([]);
  });
});

describe.each(STORE_KINDS)('each operation takes only its own kinds of credential (%s store)', (storeKind) => {
  let world: PaymentsWorld;
  let fixture: Fixture;
  let credentials: Record<Kind, Auth>;

  beforeAll(async () => {
    world = await startPaymentsWorld({ store: storeKind, env: { KIKUAI_MICROS_PER_STAR: '13000' } });
    const user = await world.register();
    const keys = await world.call('GET', '/api/v1/api_keys', { auth: { apiKey: user.apiKey } });
    const topup = await world.call('POST', '/api/v1/payment/topup', { auth: user.bot, body: { method: 'stars', amount_micros: 1_000_000 } });
    expect(topup.status, topup.text).toBe(201);
    const paid = await world.call('POST', '/api/v1/payment/stars/payments', {
      auth: user.bot,
      body: { invoice_payload: topup.body.id, currency: 'XTR', total_amount: topup.body.stars, telegram_payment_charge_id: `paid-${user.accountId}` },
    });
    expect(paid.status, paid.text).toBe(200);
    fixture = { accountId: user.accountId, telegramId: user.telegramId, keyId: keys.body.data[0].id, topupId: topup.body.id };
    const initData = signInitData(
      { auth_date: String(Math.floor(Date.now() / 1000)), query_id: 'AAHkinds', user: JSON.stringify({ id: user.telegramId, first_name: 'Ann' }) },
      world.server.botToken,
    );
    credentials = { apiKey: { apiKey: user.apiKey }, botService: user.bot, telegramInitData: { initData }, adminToken: { admin: world.server.adminToken } };
  });
  afterAll(async () => world?.close());

  async function snapshot(): Promise<string> {
    const { store } = world.server;
    const account = await store.getAccount(fixture.accountId);
    const keys = (await store.listKeys(fixture.accountId)).map(({ last_used_at: _lastUsed, ...key }) => key);
    return JSON.stringify({ account, ledger: await store.sumLedger(fixture.accountId), keys, topup: await store.getTopup(fixture.topupId) });
  }

  it('answers a valid credential of a kind the operation does not take with 401 problem+json, and changes nothing', async () => {
    const before = await snapshot();
    const answers: string[] = [];
    for (const { method, path, id, refused } of guarded) {
      for (const kind of refused) {
        const { query, body } = REQUESTS[id]!(fixture);
        const result = await world.call(method, `${pathOf(path, fixture)}${query ? `?${query}` : ''}`, {
          auth: credentials[kind],
          ...(body !== undefined ? { body } : {}),
        });
        answers.push(`${id} with ${kind}: ${result.status} ${result.headers.get('content-type')?.split(';')[0]}`);
      }
    }
    expect(answers.length).toBeGreaterThan(40);
    expect(answers.filter((answer) => !answer.endsWith(': 401 application/problem+json'))).toEqual([]);
    expect(await snapshot()).toBe(before);
    expect(world.telegram.callsOf('refundStarPayment')).toEqual([]);
  });
});
