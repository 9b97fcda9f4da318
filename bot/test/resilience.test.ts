import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_BOT_INFO, startFakeTelegram, type FakeTelegram } from '@kikuai/testkit';
import type { UserFromGetMe } from 'grammy/types';
import { GrammyError } from 'grammy';
import { createBot } from '../src/bot.js';
import { secretIn, startBotHarness, textOf, type BotHarness } from './support/harness.js';
import { command, newUser } from './support/updates.js';
import { preCheckout } from './support/stars.js';

let harness: BotHarness;

beforeAll(async () => {
  harness = await startBotHarness();
});
afterAll(async () => {
  await harness?.close();
});

describe('when the API is down', () => {
  it('the user gets a friendly reply and the bot goes on serving', async () => {
    const user = newUser();
    await harness.replyTo(command(user, '/start'), { chatId: user.id, text: /API key/ });

    harness.proxy.down = true;
    try {
      const reply = await harness.replyTo(command(user, '/balance'), { chatId: user.id });
      expect(textOf(reply)).toBe('kikuai is briefly unavailable. Please try again in a minute.');

      const help = await harness.replyTo(command(user, '/help'), { chatId: user.id });
      expect(textOf(help)).toContain('/topup: add money with Telegram Stars');

      // A pre-checkout query is still answered, in time, with a clear refusal.
      const answer = await preCheckout(harness, user, { payload: 'top_unknown', stars: 385 });
      expect(answer.params).toMatchObject({
        ok: false,
        error_message: 'Payments are briefly unavailable. You were not charged; please try again in a minute.',
      });
    } finally {
      harness.proxy.down = false;
    }

    const back = await harness.replyTo(command(user, '/balance'), { chatId: user.id });
    expect(textOf(back)).toContain('Your balance: <b>$0.00</b>');
  });
});

describe('when the API rate-limits', () => {
  it('the user is told how long to wait', async () => {
    const user = newUser();
    await harness.replyTo(command(user, '/start'), { chatId: user.id, text: /API key/ });
    harness.proxy.rateLimitedFor = 30;
    try {
      const reply = await harness.replyTo(command(user, '/balance'), { chatId: user.id });
      expect(textOf(reply)).toBe('Too many requests. Please wait 30 s and try again.');
    } finally {
      harness.proxy.rateLimitedFor = null;
    }
  });
});

describe("Telegram's own 429", () => {
  it('is waited out and the reply still arrives', async () => {
    const user = newUser({ language_code: 'ru' });
    harness.telegram.failNext('sendMessage', { error_code: 429, description: 'Too Many Requests: retry after 1', retry_after: 1 });
    const first = await harness.replyTo(command(user, '/support'), { chatId: user.id, text: /support@kikuai\.dev/ });
    expect(textOf(first)).toBe('Вопросы или проблемы? Пишите на support@kikuai.dev.');
    // The fake records the refused attempt too; once /help (same chat, so after it) is answered, the retry is done.
    await harness.replyTo(command(user, '/help'), { chatId: user.id, text: /kikuai/ });
    const attempts = harness.callsFor('sendMessage', user.id).filter((call) => textOf(call) === textOf(first));
    expect(attempts).toHaveLength(2);
  });
});

describe('logs', () => {
  it('carry user id, command and latency for each update, and never a key', async () => {
    const user = newUser();
    const welcome = await harness.replyTo(command(user, '/start'), { chatId: user.id, text: /API key/ });
    const key = secretIn(welcome)!;
    await harness.replyTo(command(user, '/api_key'), { chatId: user.id });
    // One chat's updates run in order, so once /help is answered the /api_key line is written.
    await harness.replyTo(command(user, '/help'), { chatId: user.id });
    const lines = harness.logs.filter((line) => line.fields.user_id === user.id && line.message === 'update handled');
    expect(lines.map((line) => line.fields.command).slice(0, 2)).toEqual(['/start', '/api_key']);
    for (const line of lines) expect(line.fields.latency_ms).toEqual(expect.any(Number));
    const everything = JSON.stringify(harness.logs);
    expect(everything).not.toContain(key);
    expect(everything).not.toContain(harness.server.serviceToken);
    expect(everything).not.toContain(harness.server.botToken);
  });
});

describe('auto-retry', () => {
  let telegram: FakeTelegram;
  beforeAll(async () => {
    telegram = await startFakeTelegram();
  });
  afterAll(async () => {
    await telegram?.close();
  });
  const bot = () =>
    createBot('7000000001:AAtest-bot-token-for-kikuai-tests-only', {
      config: { apiBaseUrl: 'http://127.0.0.1:9', serviceToken: 'svc_unused_here', rotateGraceSeconds: 0, apiTimeoutMs: 1000, supportContact: 'x' },
      botInfo: FAKE_BOT_INFO as unknown as UserFromGetMe,
      client: { apiRoot: telegram.apiRoot },
    });

  it('never delays the pre-checkout answer', async () => {
    telegram.failNext('answerPreCheckoutQuery', { error_code: 429, description: 'Too Many Requests: retry after 1', retry_after: 1 });
    await expect(bot().api.answerPreCheckoutQuery('pcq_1', true)).rejects.toBeInstanceOf(GrammyError);
    expect(telegram.callsOf('answerPreCheckoutQuery')).toHaveLength(1);
  });

  it('retries other calls after retry_after', async () => {
    telegram.failNext('sendMessage', { error_code: 429, description: 'Too Many Requests: retry after 1', retry_after: 1 });
    const sent = await bot().api.sendMessage(12345, 'hello');
    expect(sent.text).toBe('hello');
    expect(telegram.callsOf('sendMessage')).toHaveLength(2);
  });
});
