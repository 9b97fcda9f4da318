import { afterEach, describe, expect, it } from 'vitest';
import { createKikuaiClient, KikuaiError, KikuaiTimeoutError } from '../src/index.js';
import { fastBackoff, sampleApiKey, sampleBalance, sendJson, sendProblem, startTestServer, type TestServer } from './support/test-server.js';

// A backoff so long that a test would time out if it were used: proves Retry-After was.
const backoffNeverUsed = { initialDelayMs: 3_600_000, maxDelayMs: 3_600_000 };

describe('automatic retries', () => {
  let server: TestServer;
  afterEach(() => server?.close());

  it('retries a GET answered 503 with backoff until it succeeds', async () => {
    server = await startTestServer((_request, response, attempt) =>
      attempt < 3 ? sendProblem(response, 503, 'service_unavailable') : sendJson(response, 200, sampleBalance),
    );
    const kikuai = createKikuaiClient({ baseUrl: server.url, auth: { apiKey: 'kik_x' }, maxRetries: 2, retryBackoff: fastBackoff });

    const balance = await kikuai.balance.get();

    expect(balance.balance_micros).toBe(12_500_000);
    expect(server.requests).toHaveLength(3);
  });

  it('gives up after maxRetries and throws the last answer as a KikuaiError', async () => {
    server = await startTestServer((_request, response) => sendProblem(response, 503, 'service_unavailable'));
    const kikuai = createKikuaiClient({ baseUrl: server.url, maxRetries: 3, retryBackoff: fastBackoff });

    const error = (await kikuai.products.list().catch((caught: unknown) => caught)) as KikuaiError;

    expect(error).toBeInstanceOf(KikuaiError);
    expect(error.code).toBe('service_unavailable');
    expect(server.requests).toHaveLength(4);
  });

  it('waits what Retry-After says (seconds) on 429 instead of its own backoff', async () => {
    server = await startTestServer((_request, response, attempt) =>
      attempt === 1 ? sendProblem(response, 429, 'rate_limited', {}, { 'Retry-After': '0' }) : sendJson(response, 200, sampleBalance),
    );
    const kikuai = createKikuaiClient({ baseUrl: server.url, maxRetries: 1, retryBackoff: backoffNeverUsed });

    await kikuai.balance.get();

    expect(server.requests).toHaveLength(2);
  });

  it('honours Retry-After given as an HTTP date', async () => {
    server = await startTestServer((_request, response, attempt) =>
      attempt === 1
        ? sendProblem(response, 429, 'rate_limited', {}, { 'Retry-After': new Date(Date.now() - 1000).toUTCString() })
        : sendJson(response, 200, sampleBalance),
    );
    const kikuai = createKikuaiClient({ baseUrl: server.url, maxRetries: 1, retryBackoff: backoffNeverUsed });

    await kikuai.balance.get();

    expect(server.requests).toHaveLength(2);
  });

  it('caps a long Retry-After at maxRetryAfterMs', async () => {
    server = await startTestServer((_request, response, attempt) =>
      attempt === 1 ? sendProblem(response, 429, 'rate_limited', {}, { 'Retry-After': '3600' }) : sendJson(response, 200, sampleBalance),
    );
    const kikuai = createKikuaiClient({ baseUrl: server.url, maxRetries: 1, retryBackoff: { ...backoffNeverUsed, maxRetryAfterMs: 5 } });

    await kikuai.balance.get();

    expect(server.requests).toHaveLength(2);
  });

  it('does not retry a POST without an Idempotency-Key, such as a proxied call', async () => {
    server = await startTestServer((_request, response) => sendProblem(response, 503, 'product_unavailable', {}, { 'Retry-After': '0' }));
    const kikuai = createKikuaiClient({ baseUrl: server.url, auth: { apiKey: 'kik_x' }, maxRetries: 3, retryBackoff: fastBackoff });

    const proxyError = (await kikuai.proxy.call('reliapi', 'llm', { model: 'm' }).catch((caught: unknown) => caught)) as KikuaiError;
    const rawResult = await kikuai.raw.POST('/api/v1/payment/stars/refunds', { body: { telegram_payment_charge_id: 'stx' } });

    expect(proxyError.code).toBe('product_unavailable');
    expect(rawResult.response.status).toBe(503);
    expect(server.requests).toHaveLength(2);
    expect(server.requests.every((request) => request.headers['idempotency-key'] === undefined)).toBe(true);
  });

  it('does not retry a POST that failed on the network without an Idempotency-Key', async () => {
    server = await startTestServer((_request, response) => {
      response.socket?.destroy();
    });
    const kikuai = createKikuaiClient({ baseUrl: server.url, auth: { apiKey: 'kik_x' }, maxRetries: 3, retryBackoff: fastBackoff });

    await expect(kikuai.proxy.llm({ target: 'openai', model: 'm', messages: [] })).rejects.toMatchObject({ name: 'KikuaiNetworkError', attempts: 1 });
    expect(server.requests).toHaveLength(1);
  });

  it('generates an Idempotency-Key for a create and sends the same key on every retry', async () => {
    server = await startTestServer((_request, response, attempt) =>
      attempt < 3 ? sendProblem(response, 503, 'service_unavailable') : sendJson(response, 201, sampleApiKey({ secret: 'kik_' + 'a'.repeat(44) })),
    );
    const kikuai = createKikuaiClient({ baseUrl: server.url, auth: { apiKey: 'kik_x' }, maxRetries: 2, retryBackoff: fastBackoff });

    const key = await kikuai.keys.create({ name: 'ci' });

    expect(key.secret).toMatch(/^kik_/);
    const keys = server.requests.map((request) => request.headers['idempotency-key']);
    expect(keys).toHaveLength(3);
    expect(keys[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(keys).size).toBe(1);
    expect(server.requests.every((request) => request.body === '{"name":"ci"}')).toBe(true);
  });

  it('uses a new generated key for each call, and the caller key when one is passed', async () => {
    server = await startTestServer((_request, response) => sendJson(response, 201, { id: 'top_1', method: 'paddle', status: 'pending' }));
    const kikuai = createKikuaiClient({ baseUrl: server.url, auth: { apiKey: 'kik_x' } });

    await kikuai.topups.create({ method: 'paddle', amount_micros: 1_000_000 });
    await kikuai.topups.create({ method: 'paddle', amount_micros: 1_000_000 });
    await kikuai.topups.create({ method: 'paddle', amount_micros: 1_000_000 }, { idempotencyKey: 'order-42' });

    const [first, second, third] = server.requests.map((request) => request.headers['idempotency-key']);
    expect(first).not.toBe(second);
    expect(third).toBe('order-42');
  });

  it('retries a proxied call when the caller passes an Idempotency-Key, with that key each time', async () => {
    server = await startTestServer((_request, response, attempt) =>
      attempt === 1
        ? sendProblem(response, 429, 'rate_limited', {}, { 'Retry-After': '0' })
        : sendJson(response, 200, { ok: true }, { 'X-Kikuai-Cost-Micros': '1000' }),
    );
    const kikuai = createKikuaiClient({ baseUrl: server.url, auth: { apiKey: 'kik_x' }, maxRetries: 2, retryBackoff: fastBackoff });

    const result = await kikuai.proxy.http<{ ok: boolean }>({ target: 'example', method: 'GET', path: '/status' }, { idempotencyKey: 'call-7' });

    expect(result.data).toEqual({ ok: true });
    expect(server.requests.map((request) => request.headers['idempotency-key'])).toEqual(['call-7', 'call-7']);
  });

  it('throws KikuaiTimeoutError when no answer comes within timeoutMs, after retrying a GET', async () => {
    server = await startTestServer(() => undefined);
    const kikuai = createKikuaiClient({ baseUrl: server.url, timeoutMs: 50, maxRetries: 1, retryBackoff: fastBackoff });

    const error = (await kikuai.balance.get().catch((caught: unknown) => caught)) as KikuaiTimeoutError;

    expect(error).toBeInstanceOf(KikuaiTimeoutError);
    expect(error.timeoutMs).toBe(50);
    expect(error.attempts).toBe(2);
    expect(server.requests).toHaveLength(2);
  });

  it('lets one request override the timeout and the retries', async () => {
    server = await startTestServer(() => undefined);
    const kikuai = createKikuaiClient({ baseUrl: server.url, timeoutMs: 60_000, maxRetries: 5, retryBackoff: fastBackoff });

    await expect(kikuai.balance.get({ timeoutMs: 30, maxRetries: 0 })).rejects.toBeInstanceOf(KikuaiTimeoutError);
    expect(server.requests).toHaveLength(1);
  });

  it("stops at once, without retrying, when the caller's signal aborts", async () => {
    server = await startTestServer(() => undefined);
    const kikuai = createKikuaiClient({ baseUrl: server.url, maxRetries: 3, retryBackoff: fastBackoff });
    const controller = new AbortController();

    const pending = kikuai.balance.get({ signal: controller.signal });
    await expect.poll(() => server.requests.length).toBe(1);
    controller.abort();

    const error = await pending.catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: 'AbortError' });
    expect(error).not.toBeInstanceOf(KikuaiTimeoutError);
    expect(server.requests).toHaveLength(1);
  });
});
