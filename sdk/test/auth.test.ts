import { afterEach, describe, expect, it } from 'vitest';
import { createKikuaiClient, SDK_VERSION, type KikuaiAuth } from '../src/index.js';
import { sampleBalance, sendJson, startTestServer, type TestServer } from './support/test-server.js';

describe('auth headers for each caller kind', () => {
  let server: TestServer;
  afterEach(() => server?.close());

  async function headersSentFor(auth: KikuaiAuth | undefined) {
    server = await startTestServer((_request, response) => sendJson(response, 200, sampleBalance));
    const kikuai = createKikuaiClient({ baseUrl: server.url, ...(auth ? { auth } : {}) });
    await kikuai.balance.get();
    return server.requests[0]!.headers;
  }

  it('sends an API key as a bearer token', async () => {
    const headers = await headersSentFor({ apiKey: 'kik_abc' });
    expect(headers.authorization).toBe('Bearer kik_abc');
    expect(headers['x-kikuai-service-token']).toBeUndefined();
  });

  it('sends the bot service token together with the Telegram user it acts for', async () => {
    const headers = await headersSentFor({ serviceToken: 'svc_secret', telegramUserId: 279058397 });
    expect(headers['x-kikuai-service-token']).toBe('svc_secret');
    expect(headers['x-kikuai-telegram-user-id']).toBe('279058397');
    expect(headers.authorization).toBeUndefined();
  });

  it('sends Mini App initData raw after the tma scheme', async () => {
    const initData = 'query_id=AAH&user=%7B%22id%22%3A1%7D&auth_date=1700000000&hash=abc';
    const headers = await headersSentFor({ initData });
    expect(headers.authorization).toBe(`tma ${initData}`);
  });

  it('sends the operator token in its own header', async () => {
    const headers = await headersSentFor({ adminToken: 'adm_secret' });
    expect(headers['x-kikuai-admin-token']).toBe('adm_secret');
    expect(headers.authorization).toBeUndefined();
  });

  it('sends no credentials when none are given, and always a user agent naming the SDK', async () => {
    const headers = await headersSentFor(undefined);
    expect(headers.authorization).toBeUndefined();
    expect(headers['user-agent']).toBe(`kikuai-sdk-js/${SDK_VERSION}`);
  });

  it('puts the caller user agent in front of the SDK one, and withAuth switches the caller', async () => {
    server = await startTestServer((_request, response) => sendJson(response, 200, sampleBalance));
    const bot = createKikuaiClient({ baseUrl: server.url, userAgent: 'kikuai-bot/1.0.0', auth: { serviceToken: 'svc', telegramUserId: 1 } });
    await bot.withAuth({ serviceToken: 'svc', telegramUserId: 2 }).balance.get();
    expect(server.requests[0]!.headers['user-agent']).toBe(`kikuai-bot/1.0.0 kikuai-sdk-js/${SDK_VERSION}`);
    expect(server.requests[0]!.headers['x-kikuai-telegram-user-id']).toBe('2');
  });

  it('refuses to build a client without a base URL', () => {
    expect(() => createKikuaiClient({ baseUrl: '' })).toThrow(/baseUrl/);
  });
});
