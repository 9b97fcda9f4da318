/**
 * Configuration from environment variables, validated once at start-up. A missing or
 * malformed variable stops the process with one line naming it (`loadConfig` throws
 * a `ConfigError`; `main.ts` prints its message and exits 1).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { DEFAULT_MAX_BALANCE_MICROS, MICROS_LIMIT } from './store/logic.js';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const optionalString = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));

const integerFrom = (defaultValue: number, minimum: number, maximum: number) =>
  z
    .string()
    .optional()
    .transform((value, context) => {
      if (value === undefined || value.trim() === '') return defaultValue;
      if (!/^-?\d+$/.test(value.trim())) {
        context.addIssue({ code: z.ZodIssueCode.custom, message: `must be a whole number, got "${value}"` });
        return z.NEVER;
      }
      const parsed = Number(value);
      if (parsed < minimum || parsed > maximum) {
        context.addIssue({ code: z.ZodIssueCode.custom, message: `must be between ${minimum} and ${maximum}, got ${value}` });
        return z.NEVER;
      }
      return parsed;
    });

const url = (protocols: string[]) =>
  optionalString.refine(
    (value) => {
      if (value === undefined) return true;
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be a URL (${protocols.join(' or ')})` },
  );

const secret = (minimumLength: number) =>
  optionalString.refine((value) => value === undefined || value.length >= minimumLength, {
    message: `must be at least ${minimumLength} characters`,
  });

const microsList = optionalString.transform((value, context) => {
  if (value === undefined) return undefined;
  const items = value.split(',').map((item) => item.trim());
  if (!items.every((item) => /^\d+$/.test(item))) {
    context.addIssue({ code: z.ZodIssueCode.custom, message: 'must be a comma-separated list of whole micro-USD amounts' });
    return z.NEVER;
  }
  return items.map(Number);
});

const booleanFlag = optionalString.transform((value, context) => {
  if (value === undefined) return false;
  if (['1', 'true', 'yes', 'on'].includes(value.toLowerCase())) return true;
  if (['0', 'false', 'no', 'off'].includes(value.toLowerCase())) return false;
  context.addIssue({ code: z.ZodIssueCode.custom, message: `must be true or false, got "${value}"` });
  return z.NEVER;
});

const environmentSchema = z.object({
  PORT: integerFrom(8000, 0, 65535),
  // Loopback unless a deployment says otherwise (HOST=0.0.0.0 in the image and compose):
  // with an admin token set, the operator's routes move money.
  HOST: optionalString.transform((value) => value ?? '127.0.0.1'),
  REDIS_URL: url(['redis:', 'rediss:']),
  // REDIS_URL names one node of a Redis Cluster; the others are discovered from it.
  REDIS_CLUSTER: booleanFlag,
  DATABASE_URL: url(['postgres:', 'postgresql:']),
  KIKUAI_OUTBOX_IDLE_MS: integerFrom(1000, 10, 60_000),
  KIKUAI_LEDGER_RETENTION_DAYS: integerFrom(0, 0, 36_500),
  KIKUAI_LEDGER_TRIM_INTERVAL_MS: integerFrom(3_600_000, 100, 86_400_000),
  KIKUAI_REDIS_PREFIX: optionalString.transform((value) => value ?? 'kikuai:'),
  KIKUAI_DATA_DIR: optionalString.transform((value) => path.resolve(value ?? path.join(repositoryRoot, '.data'))),
  KIKUAI_PRODUCTS_FILE: optionalString.transform((value) => path.resolve(value ?? path.join(repositoryRoot, 'config/products.yaml'))),
  KIKUAI_BOT_SERVICE_TOKEN: secret(16),
  KIKUAI_ADMIN_TOKEN: secret(16),
  KIKUAI_IDEMPOTENCY_SECRET: secret(32),
  KIKUAI_MAX_KEYS_PER_ACCOUNT: integerFrom(20, 1, 1000),
  KIKUAI_INIT_DATA_MAX_AGE_SECONDS: integerFrom(86_400, 1, 30 * 86_400),
  KIKUAI_RATE_LIMIT_PER_KEY: integerFrom(600, 1, 1_000_000),
  KIKUAI_RATE_LIMIT_PER_ACCOUNT: integerFrom(1200, 1, 1_000_000),
  KIKUAI_RATE_LIMIT_WINDOW_SECONDS: integerFrom(60, 1, 86_400),
  KIKUAI_RECONCILE_GRACE_MS: integerFrom(60_000, 0, 86_400_000),
  KIKUAI_RECONCILE_INTERVAL_MS: integerFrom(60_000, 100, 86_400_000),
  KIKUAI_BODY_LIMIT_BYTES: integerFrom(1_048_576, 1024, 100 * 1_048_576),
  KIKUAI_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional().default('info'),
  KIKUAI_DEFAULT_LOW_BALANCE_MICROS: integerFrom(1_000_000, 0, 1_000_000_000_000),
  KIKUAI_MAX_BALANCE_MICROS: integerFrom(DEFAULT_MAX_BALANCE_MICROS, 1, MICROS_LIMIT),
  // $0.10: a hundred $0.001 calls, enough to see the first call succeed; at most $100 so a typo cannot give away real money.
  KIKUAI_SIGNUP_CREDIT_MICROS: integerFrom(100_000, 0, 100_000_000),
  TELEGRAM_BOT_TOKEN: optionalString.refine((value) => value === undefined || /^\d+:[A-Za-z0-9_-]{20,}$/.test(value), {
    message: 'must look like "123456:ABC…" (the token @BotFather gave)',
  }),
  TELEGRAM_API_ROOT: url(['http:', 'https:']).transform((value) => value ?? 'https://api.telegram.org'),
  TELEGRAM_WEBHOOK_URL: url(['https:', 'http:']),
  TELEGRAM_WEBHOOK_SECRET: optionalString,
  KIKUAI_OPERATOR_CHAT_ID: optionalString.refine((value) => value === undefined || /^-?\d{1,20}$/.test(value), {
    message: 'must be a Telegram chat id (an integer, negative for groups)',
  }),
  API_BASE_URL: url(['http:', 'https:']),
  WEBAPP_URL: url(['https:', 'http:']),
  KIKUAI_WEBAPP_DIR: optionalString.transform((value) => (value === undefined ? undefined : path.resolve(value))),
  PADDLE_API_KEY: secret(8),
  PADDLE_WEBHOOK_SECRET: secret(8),
  PADDLE_WEBHOOK_SECRET_PREVIOUS: secret(8),
  PADDLE_ENVIRONMENT: z.enum(['sandbox', 'production']).optional().default('sandbox'),
  PADDLE_API_URL: url(['http:', 'https:']),
  PADDLE_CLIENT_TOKEN: optionalString,
  PADDLE_WEBHOOK_TOLERANCE_SECONDS: integerFrom(300, 1, 86_400),
  KIKUAI_PUBLIC_URL: url(['http:', 'https:']),
  KIKUAI_TOPUP_MIN_MICROS: integerFrom(1_000_000, 1, 1_000_000_000_000),
  KIKUAI_TOPUP_MAX_MICROS: integerFrom(1_000_000_000, 1, 1_000_000_000_000),
  KIKUAI_TOPUP_PRESETS_MICROS: microsList,
  // At most $1 a Star: a payment's Stars (at most 1,000,000 in the spec) times this stays within one change's bound.
  KIKUAI_MICROS_PER_STAR: integerFrom(13_000, 1, 1_000_000),
  KIKUAI_PADDLE_IN_TELEGRAM: booleanFlag,
  KIKUAI_DEMO_PRODUCT: booleanFlag,
});

export type Environment = Record<string, string | undefined>;

export interface Config {
  port: number;
  host: string;
  redisUrl: string | undefined;
  /** REDIS_URL is a seed node of a Redis Cluster. */
  redisCluster: boolean;
  redisKeyPrefix: string;
  /** PostgreSQL (`DATABASE_URL`): the store then writes an outbox that is drained into it (`outbox/`); unset: no outbox. */
  databaseUrl: string | undefined;
  /** How long the outbox drain pauses when it found nothing (`KIKUAI_OUTBOX_IDLE_MS`). */
  outboxIdleMs: number;
  /**
   * With DATABASE_URL, the Redis ledger keeps entries this many days and PostgreSQL all of them
   * (`KIKUAI_LEDGER_RETENTION_DAYS`; 0, the default: the store keeps every entry), checked every
   * `ledgerTrimIntervalMs`.
   */
  ledgerRetentionDays: number;
  ledgerTrimIntervalMs: number;
  dataDir: string;
  productsFile: string;
  botServiceToken: string | undefined;
  adminToken: string | undefined;
  /** Keys the encryption of kept idempotent answers; unset: see `http/idempotency.ts`. */
  idempotencySecret: string | undefined;
  maxKeysPerAccount: number;
  initDataMaxAgeSeconds: number;
  rateLimit: { perKey: number; perAccount: number; windowSeconds: number };
  /** Open calls (proxy reservations) left by a crash: settled once older than the longest product timeout + graceMs, checked every intervalMs. */
  reconcile: { graceMs: number; intervalMs: number };
  bodyLimitBytes: number;
  logLevel: string;
  defaultLowBalanceMicros: number;
  /** Credited once to each new account (a `signup_credit` ledger entry); 0: none. */
  signupCreditMicros: number;
  /** The balance ceiling: no change takes a balance above it (the store refuses it in its atomic change). */
  maxBalanceMicros: number;
  telegram: {
    botToken: string | undefined;
    apiRoot: string;
    webhookUrl: string | undefined;
    webhookSecret: string | undefined;
    /** Where payment incidents are reported (a private chat or a group of the operators); unset: logs and metrics only. */
    operatorChatId: string | undefined;
  };
  apiBaseUrl: string | undefined;
  webappUrl: string | undefined;
  /** A folder with the Mini App's build to serve at /webapp/ (`KIKUAI_WEBAPP_DIR`); unset: the one `buildApp` is given, if any. */
  webappDir: string | undefined;
  publicUrl: string | undefined;
  paddle: {
    apiKey: string | undefined;
    webhookSecrets: string[];
    environment: 'sandbox' | 'production';
    apiUrl: string | undefined;
    clientToken: string | undefined;
    webhookToleranceSeconds: number;
  };
  topups: {
    minMicros: number;
    maxMicros: number;
    presetsMicros: number[];
    microsPerStar: number;
    paddleInTelegram: boolean;
  };
  /** `KIKUAI_DEMO_PRODUCT`: list the built-in offline `demo` product (an echo upstream); off unless asked for. */
  demoProduct: boolean;
  /** Tests only: check every response against the spec. */
  validateResponses: boolean;
  /** The variables this configuration was read from: the products file names its upstream URLs and credentials by variable. */
  environment: Environment;
}

export function loadConfig(environment: Environment = process.env): Config {
  const parsed = environmentSchema.safeParse(environment);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`Invalid configuration: ${issue.path.join('.')} ${issue.message}`);
  }
  const env = parsed.data;
  if (env.KIKUAI_TOPUP_MIN_MICROS > env.KIKUAI_TOPUP_MAX_MICROS) {
    throw new ConfigError('Invalid configuration: KIKUAI_TOPUP_MIN_MICROS must not exceed KIKUAI_TOPUP_MAX_MICROS');
  }
  if (env.REDIS_CLUSTER && !env.REDIS_URL)
    throw new ConfigError('Invalid configuration: REDIS_CLUSTER is set but REDIS_URL is not (give one node of the cluster)');
  const presets = env.KIKUAI_TOPUP_PRESETS_MICROS ?? [5_000_000, 10_000_000, 25_000_000, 50_000_000];
  const outside = presets.find((amount) => amount < env.KIKUAI_TOPUP_MIN_MICROS || amount > env.KIKUAI_TOPUP_MAX_MICROS);
  if (outside !== undefined) {
    throw new ConfigError(`Invalid configuration: KIKUAI_TOPUP_PRESETS_MICROS holds ${outside}, outside the minimum and maximum`);
  }
  return {
    port: env.PORT,
    host: env.HOST,
    redisUrl: env.REDIS_URL,
    redisCluster: env.REDIS_CLUSTER,
    redisKeyPrefix: env.KIKUAI_REDIS_PREFIX,
    databaseUrl: env.DATABASE_URL,
    outboxIdleMs: env.KIKUAI_OUTBOX_IDLE_MS,
    ledgerRetentionDays: env.KIKUAI_LEDGER_RETENTION_DAYS,
    ledgerTrimIntervalMs: env.KIKUAI_LEDGER_TRIM_INTERVAL_MS,
    dataDir: env.KIKUAI_DATA_DIR,
    productsFile: env.KIKUAI_PRODUCTS_FILE,
    botServiceToken: env.KIKUAI_BOT_SERVICE_TOKEN,
    adminToken: env.KIKUAI_ADMIN_TOKEN,
    idempotencySecret: env.KIKUAI_IDEMPOTENCY_SECRET,
    maxKeysPerAccount: env.KIKUAI_MAX_KEYS_PER_ACCOUNT,
    initDataMaxAgeSeconds: env.KIKUAI_INIT_DATA_MAX_AGE_SECONDS,
    rateLimit: {
      perKey: env.KIKUAI_RATE_LIMIT_PER_KEY,
      perAccount: env.KIKUAI_RATE_LIMIT_PER_ACCOUNT,
      windowSeconds: env.KIKUAI_RATE_LIMIT_WINDOW_SECONDS,
    },
    reconcile: { graceMs: env.KIKUAI_RECONCILE_GRACE_MS, intervalMs: env.KIKUAI_RECONCILE_INTERVAL_MS },
    bodyLimitBytes: env.KIKUAI_BODY_LIMIT_BYTES,
    logLevel: env.KIKUAI_LOG_LEVEL,
    defaultLowBalanceMicros: env.KIKUAI_DEFAULT_LOW_BALANCE_MICROS,
    signupCreditMicros: env.KIKUAI_SIGNUP_CREDIT_MICROS,
    maxBalanceMicros: env.KIKUAI_MAX_BALANCE_MICROS,
    telegram: {
      botToken: env.TELEGRAM_BOT_TOKEN,
      apiRoot: env.TELEGRAM_API_ROOT.replace(/\/+$/, ''),
      webhookUrl: env.TELEGRAM_WEBHOOK_URL,
      webhookSecret: env.TELEGRAM_WEBHOOK_SECRET,
      operatorChatId: env.KIKUAI_OPERATOR_CHAT_ID,
    },
    apiBaseUrl: env.API_BASE_URL,
    webappUrl: env.WEBAPP_URL,
    webappDir: env.KIKUAI_WEBAPP_DIR,
    publicUrl: env.KIKUAI_PUBLIC_URL,
    paddle: {
      apiKey: env.PADDLE_API_KEY,
      webhookSecrets: [env.PADDLE_WEBHOOK_SECRET, env.PADDLE_WEBHOOK_SECRET_PREVIOUS].filter((value): value is string => Boolean(value)),
      environment: env.PADDLE_ENVIRONMENT,
      apiUrl: env.PADDLE_API_URL?.replace(/\/+$/, ''),
      clientToken: env.PADDLE_CLIENT_TOKEN,
      webhookToleranceSeconds: env.PADDLE_WEBHOOK_TOLERANCE_SECONDS,
    },
    topups: {
      minMicros: env.KIKUAI_TOPUP_MIN_MICROS,
      maxMicros: env.KIKUAI_TOPUP_MAX_MICROS,
      presetsMicros: presets,
      microsPerStar: env.KIKUAI_MICROS_PER_STAR,
      paddleInTelegram: env.KIKUAI_PADDLE_IN_TELEGRAM,
    },
    demoProduct: env.KIKUAI_DEMO_PRODUCT,
    validateResponses: false,
    environment,
  };
}
