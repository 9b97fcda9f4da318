import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { microsToUsd } from '../../src/services/money.js';

describe('configuration', () => {
  it('starts on defaults with nothing set: port 8000 and the embedded store', () => {
    const config = loadConfig({});
    expect(config.port).toBe(8000);
    expect(config.redisUrl).toBeUndefined();
    expect(config.dataDir).toMatch(/\.data$/);
  });

  it.each([
    [{ PORT: 'eighty' }, /PORT must be a whole number/],
    [{ PORT: '70000' }, /PORT must be between 0 and 65535/],
    [{ REDIS_URL: 'http://localhost' }, /REDIS_URL must be a URL \(redis: or rediss:\)/],
    [{ TELEGRAM_BOT_TOKEN: 'not-a-token' }, /TELEGRAM_BOT_TOKEN must look like/],
    [{ KIKUAI_ADMIN_TOKEN: 'short' }, /KIKUAI_ADMIN_TOKEN must be at least 16 characters/],
    [{ PADDLE_ENVIRONMENT: 'live' }, /PADDLE_ENVIRONMENT/],
    [{ KIKUAI_TOPUP_PRESETS_MICROS: '5,ten' }, /KIKUAI_TOPUP_PRESETS_MICROS/],
    [{ REDIS_CLUSTER: 'true' }, /REDIS_CLUSTER is set but REDIS_URL is not/],
    [{ REDIS_CLUSTER: 'maybe' }, /REDIS_CLUSTER must be true or false/],
  ])('stops with one line naming the variable: %o', (environment, message) => {
    expect(() => loadConfig(environment)).toThrow(ConfigError);
    try {
      loadConfig(environment);
    } catch (error) {
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toContain('\n');
    }
  });

  it('never echoes a secret value in its error', () => {
    try {
      loadConfig({ KIKUAI_ADMIN_TOKEN: 'tooShortSecret' });
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).not.toContain('tooShortSecret');
    }
  });
});

describe('money display', () => {
  it.each([
    [0, '0.000000'],
    [1, '0.000001'],
    [12_500_000, '12.500000'],
    [-1_500, '-0.001500'],
    [9_007_199_254_740_991, '9007199254.740991'],
  ])('%i micros is %s USD', (micros, usd) => {
    expect(microsToUsd(micros)).toBe(usd);
  });
});
