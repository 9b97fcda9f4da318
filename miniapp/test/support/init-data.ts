import { createHmac } from 'node:crypto';

export interface TelegramUserFields {
  id: number;
  first_name?: string;
  username?: string;
  language_code?: string;
}

/**
 * Signs Mini App initData as Telegram does: the key is the raw bytes of
 * HMAC_SHA256(key = "WebAppData", message = bot token); the data-check-string is every
 * field but `hash`, sorted, `key=value` joined by newlines. Written here from the
 * protocol, not borrowed from the server, so the two are checked against each other.
 */
export function signInitData(botToken: string, user: TelegramUserFields, options: { authDate?: number } = {}): string {
  const fields: Record<string, string> = {
    auth_date: String(options.authDate ?? Math.floor(Date.now() / 1000)),
    query_id: 'AAHdF6IQAAAAAN0XohDhrOrc',
    user: JSON.stringify(user),
  };
  const checkString = Object.keys(fields)
    .sort()
    .map((key) => `${key}=${fields[key]}`)
    .join('\n');
  const secretKey = createHmac('sha256', 'WebAppData').update(botToken).digest();
  const hash = createHmac('sha256', secretKey).update(checkString).digest('hex');
  return new URLSearchParams({ ...fields, hash }).toString();
}

/** The launch hash Telegram appends to the Mini App's URL. */
export function launchHash(initData: string, themeParams: Record<string, string | undefined>): string {
  return `#${new URLSearchParams({
    tgWebAppData: initData,
    tgWebAppVersion: '8.0',
    tgWebAppPlatform: 'tdesktop',
    tgWebAppThemeParams: JSON.stringify(themeParams),
  })}`;
}
