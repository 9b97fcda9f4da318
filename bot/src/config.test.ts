import { describe, expect, it } from 'vitest';
import { configFromEnv } from './config.js';

const base = { TELEGRAM_BOT_TOKEN: '123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ', KIKUAI_BOT_SERVICE_TOKEN: 'svc_0123456789abcdef' };

describe('configFromEnv', () => {
  it('reads the documented variables', () => {
    const config = configFromEnv({
      ...base,
      API_BASE_URL: 'http://api:8000',
      TELEGRAM_WEBHOOK_URL: 'https://bot.example/telegram/webhook',
      TELEGRAM_WEBHOOK_SECRET: 's3cret',
      WEBAPP_URL: 'https://bot.example/webapp/',
    });
    expect(config).toMatchObject({
      webhookUrl: 'https://bot.example/telegram/webhook',
      webhookSecret: 's3cret',
      webhookPort: 8081,
      bot: { apiBaseUrl: 'http://api:8000', webappUrl: 'https://bot.example/webapp/', rotateGraceSeconds: 0 },
    });
    expect(configFromEnv(base).webhookUrl).toBeUndefined();
  });

  it('names the variable that is wrong, never its value', () => {
    expect(() => configFromEnv({ ...base, TELEGRAM_BOT_TOKEN: '' })).toThrow('TELEGRAM_BOT_TOKEN is required');
    expect(() => configFromEnv({ ...base, KIKUAI_BOT_SERVICE_TOKEN: undefined })).toThrow('KIKUAI_BOT_SERVICE_TOKEN is required');
    expect(() => configFromEnv({ ...base, API_BASE_URL: 'not a url' })).toThrow('API_BASE_URL must be a URL');
    expect(() => configFromEnv({ ...base, TELEGRAM_WEBHOOK_SECRET: 'has spaces!' })).toThrow(/^TELEGRAM_WEBHOOK_SECRET must be/);
    try {
      configFromEnv({ ...base, TELEGRAM_BOT_TOKEN: 'secret-looking-value' });
    } catch (error) {
      expect(String(error)).not.toContain('secret-looking-value');
    }
  });
});
