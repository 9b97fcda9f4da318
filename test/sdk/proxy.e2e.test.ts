/**
 * The built SDK: proxy calls through the real kikuai server to a real upstream written for the test:
 * metering headers, streaming as it arrives, and the errors of a refused call.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  gate,
  sendJson,
  startRecordingServer,
  startTestServer as startKikuaiServer,
  testProductsYaml,
  type RecordingServer,
  type TestServer as KikuaiServer,
} from '@kikuai/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKikuaiClient, KikuaiError, type LlmChatCompletionChunk } from '@kikuai/sdk';

const PRICE_MICROS = 1000;

const productsYaml = testProductsYaml({ priceMicros: PRICE_MICROS, timeoutMs: 5000, withCredential: false });

describe('proxy calls through the real server', () => {
  let upstream: RecordingServer;
  let server: KikuaiServer;
  let productsDirectory: string;
  let rest = gate();
  const order: string[] = [];

  /** What an OpenAI-compatible target streams: one piece of the answer per event. */
  const chatChunk = (content: string) =>
    JSON.stringify({ id: 'chatcmpl-1', model: 'gpt-4o-mini', choices: [{ index: 0, delta: { content }, finish_reason: null }] });

  beforeAll(async () => {
    upstream = await startRecordingServer(async (request, response) => {
      const body = JSON.parse(request.body || '{}') as { stream?: boolean };
      if (!body.stream) {
        sendJson(response, 200, { echo: body, path: request.url.pathname });
        return;
      }
      response.writeHead(200, { 'Content-Type': 'text/event-stream' });
      response.write(`data: ${chatChunk('Hel')}\n\n`);
      order.push('upstream sent first');
      await rest.promise;
      order.push('upstream sends rest');
      response.end(`data: ${chatChunk('lo')}\n\ndata: [DONE]\n\n`);
    });
    productsDirectory = mkdtempSync(path.join(tmpdir(), 'kikuai-sdk-products-'));
    writeFileSync(path.join(productsDirectory, 'products.yaml'), productsYaml);
    server = await startKikuaiServer({ env: { KIKUAI_PRODUCTS_FILE: path.join(productsDirectory, 'products.yaml'), RELIAPI_URL: upstream.url } });
  });

  afterAll(async () => {
    await server?.close();
    await upstream?.close();
    if (productsDirectory) rmSync(productsDirectory, { recursive: true, force: true });
  });

  async function fundedClient(micros: number) {
    const { account, apiKey } = await server.register();
    if (micros > 0) await server.credit(account.id, micros);
    return createKikuaiClient({ baseUrl: server.url, auth: { apiKey } });
  }

  it('returns the upstream JSON with the cost and the balance after it', async () => {
    const kikuai = await fundedClient(10_000);

    const result = await kikuai.proxy.http<{ echo: unknown; path: string }>({ target: 'example', method: 'GET', path: '/status' });

    expect(result.data).toEqual({ echo: { target: 'example', method: 'GET', path: '/status' }, path: '/proxy/http' });
    expect(result.costMicros).toBe(PRICE_MICROS);
    expect(result.balanceMicros).toBe(10_000 - PRICE_MICROS);
    expect(result.requestId).toBeTruthy();
    expect((await kikuai.balance.get()).balance_micros).toBe(10_000 - PRICE_MICROS);
  });

  it('streams parsed chat chunks through the server as the upstream sends them', async () => {
    const kikuai = await fundedClient(10_000);
    rest = gate();
    order.length = 0;

    const stream = await kikuai.proxy.llm({ target: 'openai', model: 'gpt-4o-mini', messages: [] }, { stream: true });
    const chunks: LlmChatCompletionChunk[] = [];
    for await (const chunk of stream) {
      order.push(`client got ${chunk.choices[0]?.delta.content}`);
      chunks.push(chunk);
      if (chunks.length === 1) rest.open();
    }

    expect(stream.costMicros).toBe(PRICE_MICROS);
    // [DONE] ends the loop: it is not a chunk.
    expect(order).toEqual(['upstream sent first', 'client got Hel', 'upstream sends rest', 'client got lo']);
  });

  it('refuses a call the balance does not cover, with the price in the problem', async () => {
    const kikuai = await fundedClient(0);

    const error = (await kikuai.proxy.call('reliapi', 'llm', { model: 'm' }).catch((caught: unknown) => caught)) as KikuaiError;

    expect(error).toBeInstanceOf(KikuaiError);
    expect(error.status).toBe(402);
    expect(error.code).toBe('insufficient_balance');
    expect(error.problem?.price_micros).toBe(PRICE_MICROS);
    expect(error.hint).toMatch(/top up/i);
  });

  it('does not retry a product that is not live yet, and charges nothing', async () => {
    const kikuai = await fundedClient(10_000);
    const callsBefore = upstream.requests.length;

    const error = (await kikuai.proxy
      .routellm({ model: 'auto', messages: [{ role: 'user', content: 'Hello' }] })
      .catch((caught: unknown) => caught)) as KikuaiError;

    expect(error.status).toBe(503);
    expect(error.code).toBe('product_unavailable');
    expect(upstream.requests.length).toBe(callsBefore);
    expect((await kikuai.balance.get()).balance_micros).toBe(10_000);
  });
});
