/**
 * Telegram Mini App initData validation
 * (https://core.telegram.org/bots/webapps#validating-data-received-via-the-mini-app):
 * the data-check-string is every field but `hash`, URL-decoded, sorted by key and
 * joined by newlines, blank values kept and `signature` included; the key is the raw
 * bytes of HMAC_SHA256(key = "WebAppData", message = bot token).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { TelegramUser } from '../store/types.js';

export type InitDataResult =
  { ok: true; user: TelegramUser; authDate: number; fields: Map<string, string> } | { ok: false; reason: 'malformed' | 'bad_hash' | 'expired' | 'no_user' };

export function secretKeyFor(botToken: string): Buffer {
  return createHmac('sha256', 'WebAppData').update(botToken).digest();
}

export function signInitData(fields: Record<string, string>, botToken: string): string {
  const checkString = Object.keys(fields)
    .filter((key) => key !== 'hash')
    .sort()
    .map((key) => `${key}=${fields[key]}`)
    .join('\n');
  const hash = createHmac('sha256', secretKeyFor(botToken)).update(checkString).digest('hex');
  const parameters = new URLSearchParams({ ...fields, hash });
  return parameters.toString();
}

export function validateInitData(
  initData: string,
  botToken: string,
  options: { maxAgeSeconds: number; nowSeconds?: number; secretKey?: Buffer },
): InitDataResult {
  let parameters: URLSearchParams;
  try {
    parameters = new URLSearchParams(initData);
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const hash = parameters.get('hash');
  if (!hash || !/^[0-9a-fA-F]{64}$/.test(hash)) return { ok: false, reason: 'malformed' };
  const fields = new Map<string, string>();
  for (const [key, value] of parameters) {
    if (key !== 'hash') fields.set(key, value);
  }
  const checkString = [...fields.keys()]
    .sort()
    .map((key) => `${key}=${fields.get(key)}`)
    .join('\n');
  const expected = createHmac('sha256', options.secretKey ?? secretKeyFor(botToken))
    .update(checkString)
    .digest();
  const given = Buffer.from(hash, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad_hash' };

  const authDate = Number(fields.get('auth_date'));
  if (!Number.isInteger(authDate) || authDate <= 0) return { ok: false, reason: 'malformed' };
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (now - authDate > options.maxAgeSeconds) return { ok: false, reason: 'expired' };

  const userJson = fields.get('user');
  if (!userJson) return { ok: false, reason: 'no_user' };
  try {
    const user = JSON.parse(userJson) as TelegramUser;
    if (!Number.isSafeInteger(user.id) || user.id <= 0) return { ok: false, reason: 'no_user' };
    return {
      ok: true,
      authDate,
      fields,
      user: {
        id: user.id,
        username: user.username ?? null,
        first_name: user.first_name ?? null,
        last_name: user.last_name ?? null,
        language_code: user.language_code ?? null,
      },
    };
  } catch {
    return { ok: false, reason: 'malformed' };
  }
}
