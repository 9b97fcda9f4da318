/**
 * The payments world of a test: the real server on a real port, pointed at a fake Paddle
 * API and a fake Telegram Bot API through its configuration. Every account a test makes
 * is remembered, so `expectLedgersBalanced` can check each balance against its ledger.
 */
import { expect } from 'vitest';
import { startFakePaddle, startFakeTelegram, startTestServer, type FakePaddle, type FakeTelegram, type TestServer } from '@kikuai/testkit';
import { caller, type Auth } from '../support/http.js';

export interface PaymentsWorld {
  server: TestServer;
  paddle: FakePaddle;
  telegram: FakeTelegram;
  webhookUrl: string;
  call: ReturnType<typeof caller>;
  register(user?: Record<string, unknown>): Promise<{ accountId: string; telegramId: number; apiKey: string; bot: Auth }>;
  balance(accountId: string): Promise<number>;
  /** A Paddle top-up through the API; returns the top-up and its Paddle transaction id. */
  paddleTopup(apiKey: string, amountMicros: number): Promise<{ topup: any; transactionId: string }>;
  expectLedgersBalanced(): Promise<void>;
  close(): Promise<void>;
}

export async function startPaymentsWorld(options: { store?: 'sqlite' | 'redis'; env?: Record<string, string>; now?: () => Date } = {}): Promise<PaymentsWorld> {
  const paddle = await startFakePaddle();
  const telegram = await startFakeTelegram();
  const server = await startTestServer({
    store: options.store ?? 'sqlite',
    env: { ...paddle.env, TELEGRAM_API_ROOT: telegram.apiRoot, ...options.env },
    ...(options.now ? { now: options.now } : {}),
  });
  paddle.defaultPaymentLink = `${server.url}/pay`;
  const call = caller(server);
  const accounts = new Set<string>();

  return {
    server,
    paddle,
    telegram,
    webhookUrl: `${server.url}/api/v1/webhooks/paddle`,
    call,
    async register(user = {}) {
      const registered = await server.register(user);
      accounts.add(registered.account.id);
      return {
        accountId: registered.account.id,
        telegramId: registered.account.telegram_id,
        apiKey: registered.apiKey,
        bot: { service: server.serviceToken, telegramUserId: registered.account.telegram_id },
      };
    },
    async balance(accountId) {
      return (await server.store.getAccount(accountId))!.balance_micros;
    },
    async paddleTopup(apiKey, amountMicros) {
      const response = await call('POST', '/api/v1/payment/topup', { auth: { apiKey }, body: { method: 'paddle', amount_micros: amountMicros } });
      expect(response.status, response.text).toBe(201);
      const transactionId = new URL(response.body.checkout_url).searchParams.get('_ptxn')!;
      return { topup: response.body, transactionId };
    },
    async expectLedgersBalanced() {
      for (const accountId of accounts) {
        const account = await server.store.getAccount(accountId);
        expect(account!.balance_micros, `balance of ${accountId}`).toBe(await server.store.sumLedger(accountId));
      }
    },
    async close() {
      await server.close();
      await paddle.close();
      await telegram.close();
    },
  };
}
