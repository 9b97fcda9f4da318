/**
 * Who is calling. Each operation's `security` in openapi.yaml names the caller kinds it
 * accepts; the preHandler built here reads the credential the request presents, checks
 * it, and leaves `request.caller` for the handler.
 *
 * An API key costs one store round trip (the hash → key id mapping is cached in
 * process, and `store.authorize` checks the key, the account and the rate limits
 * together).
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { ServerContext } from '../context.js';
import type { ErrorCode } from '../http/error-codes.js';
import { ApiProblem } from '../http/problem.js';
import type { Account, ApiKeyRecord, AuthFailure, TelegramUser } from '../store/types.js';
import { hashApiKey, isWellFormedApiKey } from './api-key.js';
import { secretKeyFor, validateInitData } from './init-data.js';
import { registerTelegramUser } from '../services/registration.js';
import { rateLimitedProblem, setRateLimitHeaders } from '../rate-limit/headers.js';
import { accountRateLimitRule, rateLimitRules } from '../rate-limit/rules.js';
import { API_KEY_OPERATIONS, checkOperationPermission } from './permissions.js';

export type CallerKind = 'api_key' | 'bot_service' | 'telegram_init_data' | 'admin';

export type Caller =
  | { kind: 'api_key'; account: Account; key: ApiKeyRecord; telegramUser: null }
  | { kind: 'bot_service'; account: Account | null; key: null; telegramUser: TelegramUser }
  | { kind: 'telegram_init_data'; account: Account | null; key: null; telegramUser: TelegramUser }
  | { kind: 'admin'; account: null; key: null; telegramUser: null };

declare module 'fastify' {
  interface FastifyRequest {
    caller?: Caller;
  }
}

/** Scheme names of openapi.yaml → caller kinds. `botUser` always pairs with `botService`. */
const KIND_OF_SCHEME: Record<string, CallerKind> = {
  apiKey: 'api_key',
  botService: 'bot_service',
  telegramInitData: 'telegram_init_data',
  adminToken: 'admin',
};

export function callerKindsOf(security: Array<Record<string, unknown>> | undefined): Set<CallerKind> {
  const kinds = new Set<CallerKind>();
  for (const requirement of security ?? []) {
    for (const scheme of Object.keys(requirement)) {
      const kind = KIND_OF_SCHEME[scheme];
      if (kind) kinds.add(kind);
    }
  }
  return kinds;
}

function sameSecret(given: string, expected: string | undefined): boolean {
  if (!expected) return false;
  // Hash first so that the comparison is constant-time whatever the lengths.
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

const AUTH_FAILURES: Record<AuthFailure, [number, ErrorCode, string]> = {
  key_not_found: [401, 'key_not_found', 'This API key is not known.'],
  key_revoked: [401, 'key_revoked', 'This API key was revoked.'],
  key_disabled: [401, 'key_disabled', 'This API key is disabled.'],
  key_expired: [401, 'key_expired', 'This API key has expired.'],
  account_suspended: [403, 'account_suspended', 'This account is suspended.'],
  account_not_found: [401, 'account_not_found', 'The account of this key no longer exists.'],
};

export function authFailure(reason: AuthFailure): ApiProblem {
  const [status, code, detail] = AUTH_FAILURES[reason];
  return new ApiProblem(status, code, detail);
}

/**
 * Callers without a key (the bot acting for a user, the Mini App) count against their
 * account's rate limit — the same bucket the account's keys share. Returns the account
 * as it is now, or null when it has gone.
 */
async function countAgainstAccount(context: ServerContext, reply: FastifyReply, account: Account | null): Promise<Account | null> {
  if (!account) return null;
  const result = await context.store.limitAccount({ account_id: account.id, now_ms: context.now().getTime(), rate_limits: [accountRateLimitRule(context)] });
  if (!result.ok) {
    if (result.reason === 'rate_limited') throw rateLimitedProblem(result.rate_limit, result.rate_limits);
    return null;
  }
  setRateLimitHeaders(reply, result.rate_limits);
  return result.account;
}

/** Reads a bearer API key; throws 401 for a malformed one without touching the store. */
export function bearerKeyHash(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (!header || !/^bearer /i.test(header)) return null;
  const secret = header.slice(7).trim();
  if (!isWellFormedApiKey(secret)) {
    throw new ApiProblem(401, 'invalid_api_key', 'The API key is malformed (a kikuai key looks like `kik_` followed by 49 letters and digits).');
  }
  return hashApiKey(secret);
}

/**
 * Registers a Telegram user met for the first time through the Mini App on a request
 * other than its register (which the Mini App sends first): their account, first key
 * and signup credit are created, but the key's secret is shown by nobody (the account
 * records that; they can rotate it or create another from the Keys screen).
 */
async function ensureAccount(context: ServerContext, user: TelegramUser): Promise<Account> {
  const existing = await context.store.getAccountByTelegramId(user.id);
  if (existing) return existing;
  return (await registerTelegramUser(context, user, null)).account;
}

export interface AuthenticateOptions {
  /** The operation guarded: an API key needs the permission `API_KEY_OPERATIONS` names for it. */
  operationId: string;
  /** The Mini App's first request registers an unknown Telegram user (off for `registerAccount`, which does it itself). */
  autoRegister: boolean;
}

export function createAuthenticator(context: ServerContext, kinds: Set<CallerKind>, options: AuthenticateOptions): preHandlerAsyncHookHandler {
  const { config, store } = context;
  const initDataSecret = config.telegram.botToken ? secretKeyFor(config.telegram.botToken) : null;
  const accepted = [...kinds].join(', ');
  const rule = API_KEY_OPERATIONS[options.operationId];
  if (kinds.has('api_key') && !rule) {
    throw new Error(`${options.operationId} accepts API keys but names no permission in API_KEY_OPERATIONS (src/auth/permissions.ts).`);
  }

  return async function authenticate(request: FastifyRequest, reply: FastifyReply) {
    const authorization = request.headers.authorization;

    if (kinds.has('admin') && request.headers['x-kikuai-admin-token'] !== undefined) {
      if (!sameSecret(String(request.headers['x-kikuai-admin-token']), config.adminToken)) {
        throw new ApiProblem(401, 'invalid_admin_token', 'The admin token is wrong, or no admin token is configured (KIKUAI_ADMIN_TOKEN).');
      }
      request.caller = { kind: 'admin', account: null, key: null, telegramUser: null };
      return;
    }

    if (kinds.has('api_key') && authorization && /^bearer /i.test(authorization)) {
      const hash = bearerKeyHash(request)!;
      const found = context.keyIndex.cached(hash) ?? (await context.keyIndex.find(hash));
      if (!found) throw authFailure('key_not_found');
      const now = context.now();
      const result = await store.authorize({
        account_id: found.account_id,
        key_id: found.key_id,
        hash,
        now_ms: now.getTime(),
        rate_limits: rateLimitRules(context, found.key_id),
      });
      if (!result.ok) {
        if (result.reason === 'rate_limited') throw rateLimitedProblem(result.rate_limit, result.rate_limits);
        throw authFailure(result.reason);
      }
      setRateLimitHeaders(reply, result.rate_limits);
      context.keyUsage.record(result.account.id, result.key.id, now);
      checkOperationPermission(rule!, result.key, request);
      request.caller = { kind: 'api_key', account: result.account, key: result.key, telegramUser: null };
      return;
    }

    if (kinds.has('telegram_init_data') && authorization && /^tma /i.test(authorization)) {
      if (!config.telegram.botToken || !initDataSecret) {
        throw new ApiProblem(401, 'invalid_init_data', 'Sign-in with Telegram initData is not configured on this server (TELEGRAM_BOT_TOKEN).');
      }
      const validation = validateInitData(authorization.slice(4).trim(), config.telegram.botToken, {
        maxAgeSeconds: config.initDataMaxAgeSeconds,
        nowSeconds: Math.floor(context.now().getTime() / 1000),
        secretKey: initDataSecret,
      });
      if (!validation.ok) {
        if (validation.reason === 'expired') throw new ApiProblem(401, 'init_data_expired', 'The Telegram initData is older than this server accepts.');
        throw new ApiProblem(401, 'invalid_init_data', 'The Telegram initData is invalid: it is malformed or its signature does not verify.');
      }
      const found = options.autoRegister ? await ensureAccount(context, validation.user) : await store.getAccountByTelegramId(validation.user.id);
      const account = await countAgainstAccount(context, reply, found);
      request.caller = { kind: 'telegram_init_data', account, key: null, telegramUser: validation.user };
      return;
    }

    if (kinds.has('bot_service') && request.headers['x-kikuai-service-token'] !== undefined) {
      if (!sameSecret(String(request.headers['x-kikuai-service-token']), config.botServiceToken)) {
        throw new ApiProblem(401, 'invalid_service_token', 'The bot service token is wrong, or none is configured (KIKUAI_BOT_SERVICE_TOKEN).');
      }
      const userHeader = String(request.headers['x-kikuai-telegram-user-id'] ?? '');
      if (!/^[1-9]\d{0,15}$/.test(userHeader) || !Number.isSafeInteger(Number(userHeader))) {
        throw new ApiProblem(401, 'unauthenticated', 'X-Kikuai-Telegram-User-Id must name the Telegram user the bot acts for.');
      }
      const telegramId = Number(userHeader);
      const account = await countAgainstAccount(context, reply, await store.getAccountByTelegramId(telegramId));
      request.caller = { kind: 'bot_service', account, key: null, telegramUser: { id: telegramId } };
      return;
    }

    throw new ApiProblem(401, 'unauthenticated', `Authentication required (accepted here: ${accepted}). Send your API key as \`Authorization: Bearer kik_…\`.`);
  };
}

/** The caller's account, or a 404 when the Telegram user the caller acts for has none yet. */
export function requireAccount(request: FastifyRequest): Account {
  const caller = request.caller;
  if (caller?.account) return caller.account;
  throw new ApiProblem(404, 'account_not_found', 'No account yet for this Telegram user: registering the user (POST /api/v1/auth/register) creates it.');
}
