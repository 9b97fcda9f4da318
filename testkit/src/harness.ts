/**
 * The server harness: the real kikuai server on a real port, with its own store (a temp
 * SQLite file, or Redis under a fresh key prefix). Nothing of ours is mocked.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { buildApp, createStore, loadConfig, type Account, type Config, type KikuaiApp, type Store, type TelegramUser } from '@kikuai/server';
import { deleteRedisPrefix, REDIS_URL, uniqueRedisPrefix } from './redis.js';

export const TEST_BOT_TOKEN = '7000000001:AAtest-bot-token-for-kikuai-tests-only';

export interface TestServer {
  url: string;
  app: KikuaiApp;
  store: Store;
  config: Config;
  botToken: string;
  serviceToken: string;
  adminToken: string;
  /** Registers a Telegram user through the API as the bot does; returns the account and its first key's secret. */
  register(user?: Partial<TelegramUser>): Promise<{ account: Account; apiKey: string; keyId: string }>;
  /** Credits an account through the operator endpoint (a real ledger entry). */
  credit(accountId: string, micros: number, reason?: string): Promise<void>;
  close(): Promise<void>;
}

export interface TestServerOptions {
  store?: 'sqlite' | 'redis';
  env?: Record<string, string>;
  /** Pin the server's clock. */
  now?: () => Date;
  /** Check every response against the spec (default true). */
  validateResponses?: boolean;
  logger?: boolean;
}

let nextTelegramId = 900_000_000 + Math.floor(Math.random() * 90_000_000);

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const serviceToken = `svc_${randomBytes(16).toString('hex')}`;
  const adminToken = `adm_${randomBytes(16).toString('hex')}`;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'kikuai-test-'));
  const useRedis = options.store === 'redis';
  const redisPrefix = uniqueRedisPrefix();
  const config: Config = {
    ...loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      KIKUAI_DATA_DIR: dataDir,
      KIKUAI_BOT_SERVICE_TOKEN: serviceToken,
      KIKUAI_ADMIN_TOKEN: adminToken,
      TELEGRAM_BOT_TOKEN: TEST_BOT_TOKEN,
      KIKUAI_LOG_LEVEL: 'silent',
      // New accounts start at $0 here, so that each test's money adds up from nothing; a test of the signup credit sets it.
      KIKUAI_SIGNUP_CREDIT_MICROS: '0',
      ...(useRedis ? { REDIS_URL: REDIS_URL, KIKUAI_REDIS_PREFIX: redisPrefix } : {}),
      ...options.env,
    }),
    validateResponses: options.validateResponses ?? true,
  };
  const store = createStore({
    redisUrl: config.redisUrl,
    dataDir: config.dataDir,
    keyPrefix: config.redisKeyPrefix,
    maxBalanceMicros: config.maxBalanceMicros,
    outbox: config.databaseUrl !== undefined,
  });
  const app = await buildApp({ config, store, logger: options.logger ? { level: 'info' } : false, now: options.now });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

  const server: TestServer = {
    url,
    app,
    store,
    config,
    botToken: config.telegram.botToken ?? TEST_BOT_TOKEN,
    serviceToken,
    adminToken,
    async register(user = {}) {
      const telegramUser = { id: nextTelegramId++, username: 'tester', first_name: 'Test', language_code: 'en', ...user };
      const response = await fetch(`${url}/api/v1/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-kikuai-service-token': serviceToken, 'x-kikuai-telegram-user-id': String(telegramUser.id) },
        body: JSON.stringify({ telegram_user: telegramUser }),
      });
      const body = (await response.json()) as { account: Account; api_key: { secret: string; id: string } | null };
      if (!response.ok || !body.api_key) throw new Error(`register failed: ${response.status} ${JSON.stringify(body)}`);
      return { account: body.account, apiKey: body.api_key.secret, keyId: body.api_key.id };
    },
    async credit(accountId, micros, reason = 'test credit') {
      const response = await fetch(`${url}/api/v1/admin/accounts/${accountId}/credit`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-kikuai-admin-token': adminToken },
        body: JSON.stringify({ amount_micros: micros, reason }),
      });
      if (!response.ok) throw new Error(`credit failed: ${response.status} ${await response.text()}`);
    },
    async close() {
      // A client that vanished mid-request must not keep the test waiting for ever.
      const forceAfter = setTimeout(() => app.server.closeAllConnections(), 5_000);
      await app.close();
      clearTimeout(forceAfter);
      if (useRedis && config.redisUrl) await deleteRedisPrefix(config.redisUrl, redisPrefix);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return server;
}
