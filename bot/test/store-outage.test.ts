/**
 * When the API answers 503 because its store is down (a Redis of the test's own, killed),
 * the user hears that nothing was charged and when to try again; once Redis is back, the
 * bot serves again without a restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOwnRedis, withOwnRedis, type OwnRedis } from '@kikuai/testkit';
import { startBotHarness, textOf, type BotHarness } from './support/harness.js';
import { command, newUser } from './support/updates.js';

describe.skipIf(!withOwnRedis())('when the API store is down', () => {
  let redis: OwnRedis;
  let harness: BotHarness;

  beforeAll(async () => {
    redis = await startOwnRedis({ persistent: true });
    harness = await startBotHarness({ serverEnv: { REDIS_URL: redis.url } });
  });
  afterAll(async () => {
    await harness?.close();
    await redis?.stop();
  });

  it('the user is told nothing was charged and when to retry, in their language, and is served again once it is back', async () => {
    const user = newUser();
    const russian = newUser({ language_code: 'ru' });
    await harness.replyTo(command(user, '/start'), { chatId: user.id, text: /API key/ });
    await harness.replyTo(command(russian, '/start'), { chatId: russian.id });

    await redis.kill();
    const reply = await harness.replyTo(command(user, '/balance'), { chatId: user.id });
    expect(textOf(reply)).toBe('kikuai is briefly unavailable; nothing was charged. Please try again in 3 s.');
    const ru = await harness.replyTo(command(russian, '/balance'), { chatId: russian.id });
    expect(textOf(ru)).toBe('kikuai ненадолго недоступен, деньги не списаны. Попробуйте через 3 с.');

    await redis.start();
    let back = await harness.replyTo(command(user, '/balance'), { chatId: user.id });
    for (let attempt = 0; !textOf(back).includes('Your balance') && attempt < 5; attempt++) {
      back = await harness.replyTo(command(user, '/balance'), { chatId: user.id });
    }
    expect(textOf(back)).toContain('Your balance: <b>$0.00</b>');
  }, 60_000);
});
