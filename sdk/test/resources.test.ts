import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createKikuaiClient, KikuaiTimeoutError, type KikuaiClient } from '../src/index.js';
import { sendJson, sendProblem, startTestServer, type TestServer } from './support/test-server.js';

type Call = [operationId: string, method: string, path: string, call: (kikuai: KikuaiClient) => Promise<unknown>];

const calls: Call[] = [
  ['registerAccount', 'POST', '/api/v1/auth/register', (k) => k.auth.register({ telegram_user: { id: 1 } })],
  ['getMe', 'GET', '/api/v1/auth/me', (k) => k.auth.me()],
  ['updateMe', 'PATCH', '/api/v1/auth/me', (k) => k.auth.update({ language_code: 'en' })],
  ['listApiKeys', 'GET', '/api/v1/api_keys', (k) => k.keys.list()],
  ['createApiKey', 'POST', '/api/v1/api_keys', (k) => k.keys.create()],
  ['getApiKey', 'GET', '/api/v1/api_keys/key_1', (k) => k.keys.get('key_1')],
  ['updateApiKey', 'PATCH', '/api/v1/api_keys/key_1', (k) => k.keys.update('key_1', { enabled: false })],
  ['revokeApiKey', 'DELETE', '/api/v1/api_keys/key_1', (k) => k.keys.revoke('key_1')],
  ['rotateApiKey', 'POST', '/api/v1/api_keys/key_1/rotate', (k) => k.keys.rotate('key_1')],
  ['getBalance', 'GET', '/api/v1/balance', (k) => k.balance.get()],
  ['getUsage', 'GET', '/api/v1/usage', (k) => k.usage.get()],
  ['listHistory', 'GET', '/api/v1/history', (k) => k.history.list()],
  ['listDailyHistory', 'GET', '/api/v1/history/daily', (k) => k.history.daily()],
  ['getTopupOptions', 'GET', '/api/v1/payment/options', (k) => k.topups.options()],
  ['createTopup', 'POST', '/api/v1/payment/topup', (k) => k.topups.create({ method: 'stars', amount_micros: 1 })],
  ['getTopup', 'GET', '/api/v1/payment/topup/top_1', (k) => k.topups.get('top_1')],
  [
    'checkStarsPreCheckout',
    'POST',
    '/api/v1/payment/stars/pre_checkout',
    (k) => k.stars.preCheckout({ invoice_payload: 'p', currency: 'XTR', total_amount: 1 }),
  ],
  [
    'recordStarsPayment',
    'POST',
    '/api/v1/payment/stars/payments',
    (k) => k.stars.recordPayment({ invoice_payload: 'p', currency: 'XTR', total_amount: 1, telegram_payment_charge_id: 'c' }),
  ],
  ['recordStarsRefund', 'POST', '/api/v1/payment/stars/refunds', (k) => k.stars.recordRefund({ telegram_payment_charge_id: 'c' })],
  ['listProducts', 'GET', '/api/v1/products', (k) => k.products.list()],
  ['getProduct', 'GET', '/api/v1/products/reliapi', (k) => k.products.get('reliapi')],
  ['proxyLlm', 'POST', '/api/v1/proxy/llm', (k) => k.proxy.llm({ target: 'openai', model: 'm', messages: [] })],
  ['proxyHttp', 'POST', '/api/v1/proxy/http', (k) => k.proxy.http({ target: 'example', method: 'GET', path: '/status' })],
  ['callProduct', 'POST', '/api/v1/proxy/reliapi/llm', (k) => k.proxy.call('reliapi', 'llm', {})],
  ['adminFindAccounts', 'GET', '/api/v1/admin/accounts', (k) => k.admin.findAccounts({ telegram_id: 1 })],
  ['adminCreateAccount', 'POST', '/api/v1/admin/accounts', (k) => k.admin.createAccount({ name: 'dev' })],
  ['adminGetAccount', 'GET', '/api/v1/admin/accounts/acc_1', (k) => k.admin.getAccount('acc_1')],
  ['adminAdjustCredit', 'POST', '/api/v1/admin/accounts/acc_1/credit', (k) => k.admin.adjustCredit('acc_1', { amount_micros: 1, reason: 'r' })],
  ['adminSuspendAccount', 'POST', '/api/v1/admin/accounts/acc_1/suspend', (k) => k.admin.suspend('acc_1', { reason: 'r' })],
  ['adminRestoreAccount', 'POST', '/api/v1/admin/accounts/acc_1/restore', (k) => k.admin.restore('acc_1')],
  ['adminRefundTopup', 'POST', '/api/v1/admin/topups/top_1/refund', (k) => k.admin.refundTopup('top_1')],
  ['adminListPaymentIncidents', 'GET', '/api/v1/admin/payment-incidents', (k) => k.admin.listPaymentIncidents()],
  ['adminGetStats', 'GET', '/api/v1/admin/stats', (k) => k.admin.getStats({ from: '2026-11-01', to: '2026-11-30' })],
  ['adminListAccountEvents', 'GET', '/api/v1/admin/accounts/acc_1/events', (k) => k.admin.listAccountEvents('acc_1', { category: 'operator' })],
  ['getHealth', 'GET', '/healthz', (k) => k.operations.health()],
  ['getReadiness', 'GET', '/readyz', (k) => k.operations.readiness()],
  ['getMetrics', 'GET', '/metrics', (k) => k.operations.metrics()],
  ['getOpenApi', 'GET', '/openapi.yaml', (k) => k.operations.openapi()],
];

const generatesIdempotencyKey = new Set([
  'registerAccount',
  'createApiKey',
  'rotateApiKey',
  'createTopup',
  'recordStarsPayment',
  'adminAdjustCredit',
  'adminCreateAccount',
]);
// Paddle calls this one, not a client of ours.
const notInResourceLayer = new Set(['receivePaddleWebhook']);

describe('resource layer', () => {
  let server: TestServer;
  afterEach(() => server?.close());

  it('has a method for every operation of the contract', () => {
    const spec = parse(readFileSync(new URL('../../openapi.yaml', import.meta.url), 'utf8')) as {
      paths: Record<string, Record<string, { operationId?: string }>>;
    };
    const operationIds = Object.values(spec.paths).flatMap((item) =>
      Object.values(item).flatMap((operation) => (operation?.operationId ? [operation.operationId] : [])),
    );
    expect(operationIds.filter((id) => !notInResourceLayer.has(id)).sort()).toEqual(calls.map(([id]) => id).sort());
  });

  it.each(calls)('%s sends %s %s and returns the body', async (operationId, method, path, call) => {
    server = await startTestServer((_request, response) => sendJson(response, 200, { echoed: true }));
    const kikuai = createKikuaiClient({ baseUrl: server.url, auth: { apiKey: 'kik_x' } });

    const result = await call(kikuai);

    const [request] = server.requests;
    expect(request!.method).toBe(method);
    expect(request!.url.pathname).toBe(path);
    expect(request!.headers['idempotency-key'] !== undefined).toBe(generatesIdempotencyKey.has(operationId));
    if (operationId.startsWith('proxy') || operationId === 'callProduct') expect(result).toMatchObject({ data: { echoed: true }, requestId: 'req_test' });
    else if (operationId === 'getMetrics' || operationId === 'getOpenApi') expect(result).toBe('{"echoed":true}');
    else expect(result).toEqual({ echoed: true });
  });

  it('walks every page of the history, passing each next_cursor on', async () => {
    const pages: Record<string, { data: { id: string }[]; next_cursor: string | null }> = {
      start: { data: [{ id: 'led_1' }, { id: 'led_2' }], next_cursor: 'c2' },
      c2: { data: [{ id: 'led_3' }, { id: 'led_4' }], next_cursor: 'c3' },
      c3: { data: [{ id: 'led_5' }], next_cursor: null },
    };
    server = await startTestServer((request, response) => sendJson(response, 200, pages[request.url.searchParams.get('cursor') ?? 'start']));
    const kikuai = createKikuaiClient({ baseUrl: server.url, auth: { apiKey: 'kik_x' } });

    const ids: string[] = [];
    for await (const entry of kikuai.history.iterate({ limit: 2 })) ids.push(entry.id);
    const pageSizes: number[] = [];
    for await (const page of kikuai.history.pages({ limit: 2, cursor: 'c2' })) pageSizes.push(page.data.length);

    expect(ids).toEqual(['led_1', 'led_2', 'led_3', 'led_4', 'led_5']);
    expect(server.requests.slice(0, 3).map((request) => request.url.search)).toEqual(['?limit=2', '?limit=2&cursor=c2', '?limit=2&cursor=c3']);
    expect(pageSizes).toEqual([2, 1]);
  });

  it('fetches the next page only when the previous one is used up', async () => {
    server = await startTestServer((request, response) =>
      sendJson(
        response,
        200,
        request.url.searchParams.has('cursor') ? { data: [{ id: 'b' }], next_cursor: null } : { data: [{ id: 'a' }], next_cursor: 'next' },
      ),
    );
    const kikuai = createKikuaiClient({ baseUrl: server.url, auth: { apiKey: 'kik_x' } });

    for await (const entry of kikuai.history.iterate()) {
      expect(entry.id).toBe('a');
      break;
    }

    expect(server.requests).toHaveLength(1);
  });

  it('asks for usage as CSV and returns the text', async () => {
    const csv = 'day,product_id,key_id,requests,errors,cost_micros,cost_usd,avg_latency_ms\n2026-11-26,reliapi,key_1,12,0,12000,0.012000,231\n';
    server = await startTestServer((_request, response) => {
      response.writeHead(200, { 'Content-Type': 'text/csv; charset=utf-8' });
      response.end(csv);
    });
    const kikuai = createKikuaiClient({ baseUrl: server.url, auth: { apiKey: 'kik_x' } });

    expect(await kikuai.usage.csv({ from: '2026-11-01', to: '2026-11-30' })).toBe(csv);
    expect(server.requests[0]!.url.search).toBe('?from=2026-11-01&to=2026-11-30&format=csv');
  });

  it('polls a top-up until it is no longer pending', async () => {
    server = await startTestServer((_request, response, attempt) => sendJson(response, 200, { id: 'top_1', status: attempt < 3 ? 'pending' : 'completed' }));
    const kikuai = createKikuaiClient({ baseUrl: server.url, auth: { apiKey: 'kik_x' } });

    const topup = await kikuai.topups.waitForCompletion('top_1', { intervalMs: 1 });

    expect(topup.status).toBe('completed');
    expect(server.requests).toHaveLength(3);
  });

  it('stops polling a top-up at its timeout or when the signal aborts', async () => {
    server = await startTestServer((_request, response) => sendJson(response, 200, { id: 'top_1', status: 'pending' }));
    const kikuai = createKikuaiClient({ baseUrl: server.url, auth: { apiKey: 'kik_x' } });

    await expect(kikuai.topups.waitForCompletion('top_1', { intervalMs: 1, timeoutMs: 0 })).rejects.toBeInstanceOf(KikuaiTimeoutError);
    await expect(kikuai.topups.waitForCompletion('top_1', { intervalMs: 1, signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('returns readiness also when the server is not ready', async () => {
    server = await startTestServer((_request, response) => sendJson(response, 503, { status: 'not_ready', store: { kind: 'redis', ok: false } }));
    const kikuai = createKikuaiClient({ baseUrl: server.url, maxRetries: 0 });

    expect(await kikuai.operations.readiness()).toEqual({ status: 'not_ready', store: { kind: 'redis', ok: false } });
  });

  it('returns the proxied JSON with the cost, the balance and the request id', async () => {
    server = await startTestServer((_request, response) =>
      sendJson(
        response,
        200,
        { choices: [{ message: { content: 'Hi' } }] },
        { 'X-Kikuai-Cost-Micros': '1000', 'X-Kikuai-Balance-Micros': '11499000', 'X-Request-Id': 'req_llm' },
      ),
    );
    const kikuai = createKikuaiClient({ baseUrl: server.url, auth: { apiKey: 'kik_x' } });

    const result = await kikuai.proxy.llm<{ choices: { message: { content: string } }[] }>({ target: 'openai', model: 'gpt-4o-mini', messages: [] });

    expect(result.data.choices[0]!.message.content).toBe('Hi');
    expect(result).toMatchObject({ status: 200, costMicros: 1000, balanceMicros: 11_499_000, requestId: 'req_llm' });
    expect(JSON.parse(server.requests[0]!.body)).toEqual({ target: 'openai', model: 'gpt-4o-mini', messages: [] });
  });

  it('throws for a 404 from a resource method', async () => {
    server = await startTestServer((_request, response) => sendProblem(response, 404, 'not_found'));
    const kikuai = createKikuaiClient({ baseUrl: server.url, auth: { apiKey: 'kik_x' } });

    await expect(kikuai.topups.get('top_missing')).rejects.toMatchObject({ name: 'KikuaiError', status: 404, code: 'not_found' });
  });
});
