import type { LogLevel } from './logger.js';

/** What the bot needs to know besides its token. Built by `configFromEnv` or by `startBot`'s caller. */
export interface BotConfig {
  /** Where the kikuai API is, e.g. `http://127.0.0.1:8000`. */
  apiBaseUrl: string;
  /** The bot's service credential (`KIKUAI_BOT_SERVICE_TOKEN`). */
  serviceToken: string;
  /** The Mini App's public address; without it the menu has no "Open app" button. */
  webappUrl?: string;
  /** How long an old key keeps working after /regenerate_key (seconds; 0 = refused at once). */
  rotateGraceSeconds: number;
  /** Timeout of one API call; the pre-checkout answer must reach Telegram within 10 s. */
  apiTimeoutMs: number;
  /** Where users are sent by /support and /paysupport. */
  supportContact: string;
}

export interface EnvConfig {
  token: string;
  apiRoot?: string;
  webhookUrl?: string;
  webhookSecret?: string;
  webhookPort: number;
  webhookHost: string;
  logLevel: LogLevel;
  bot: BotConfig;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const required = (env: NodeJS.ProcessEnv, name: string): string => {
  const value = env[name]?.trim();
  if (!value) throw new ConfigError(`${name} is required`);
  return value;
};

const optionalUrl = (env: NodeJS.ProcessEnv, name: string): string | undefined => {
  const value = env[name]?.trim();
  if (!value) return undefined;
  try {
    new URL(value);
  } catch {
    throw new ConfigError(`${name} must be a URL`);
  }
  return value;
};

const integer = (env: NodeJS.ProcessEnv, name: string, fallback: number): number => {
  const value = env[name]?.trim();
  if (!value) return fallback;
  if (!/^\d+$/.test(value)) throw new ConfigError(`${name} must be a whole number`);
  return Number(value);
};

/** Reads and checks the environment; errors name the variable, never its value. */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): EnvConfig {
  const token = required(env, 'TELEGRAM_BOT_TOKEN');
  if (!/^\d+:[A-Za-z0-9_-]{20,}$/.test(token)) throw new ConfigError('TELEGRAM_BOT_TOKEN does not look like a bot token');
  const webhookSecret = env.TELEGRAM_WEBHOOK_SECRET?.trim() || undefined;
  if (webhookSecret && !/^[A-Za-z0-9_-]{1,256}$/.test(webhookSecret)) {
    throw new ConfigError('TELEGRAM_WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and -');
  }
  const logLevel = (env.KIKUAI_LOG_LEVEL?.trim() || 'info') as LogLevel;
  if (!['debug', 'info', 'warn', 'error', 'silent'].includes(logLevel)) throw new ConfigError('KIKUAI_LOG_LEVEL must be debug, info, warn, error or silent');
  return {
    token,
    apiRoot: optionalUrl(env, 'TELEGRAM_API_ROOT'),
    webhookUrl: optionalUrl(env, 'TELEGRAM_WEBHOOK_URL'),
    webhookSecret,
    webhookPort: integer(env, 'TELEGRAM_WEBHOOK_PORT', 8081),
    webhookHost: env.TELEGRAM_WEBHOOK_HOST?.trim() || '0.0.0.0',
    logLevel,
    bot: {
      apiBaseUrl: optionalUrl(env, 'API_BASE_URL') ?? `http://127.0.0.1:${env.PORT?.trim() || '8000'}`,
      serviceToken: required(env, 'KIKUAI_BOT_SERVICE_TOKEN'),
      webappUrl: optionalUrl(env, 'WEBAPP_URL'),
      rotateGraceSeconds: integer(env, 'KIKUAI_BOT_ROTATE_GRACE_SECONDS', 0),
      apiTimeoutMs: integer(env, 'KIKUAI_BOT_API_TIMEOUT_MS', 5000),
      supportContact: env.KIKUAI_SUPPORT_CONTACT?.trim() || 'support@kikuai.dev',
    },
  };
}
