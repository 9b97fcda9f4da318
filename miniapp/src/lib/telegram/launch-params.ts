/**
 * Telegram passes launch parameters in the URL hash
 * (`#tgWebAppData=…&tgWebAppVersion=…&tgWebAppThemeParams=…&tgWebAppPlatform=…`).
 * Like telegram-web-app.js, they are kept in sessionStorage so a reload (whose hash
 * may have been rewritten) still finds them.
 */
export type ThemeParams = Partial<Record<string, string>>;

export interface LaunchParams {
  /** The raw, signed initData string: sent as is to the API, never parsed for trust. */
  initData: string;
  version: string;
  platform: string;
  themeParams: ThemeParams;
}

const storageKey = '__telegram__initParams';

export function parseHashParams(hash: string): Record<string, string> {
  const params: Record<string, string> = {};
  const text = hash.replace(/^#/, '');
  if (!text.includes('=')) return params;
  for (const [key, value] of new URLSearchParams(text)) params[key] = value;
  return params;
}

export function parseThemeParams(json: string | undefined): ThemeParams {
  if (!json) return {};
  try {
    const value: unknown = JSON.parse(json);
    if (!value || typeof value !== 'object') return {};
    const theme: ThemeParams = {};
    for (const [key, color] of Object.entries(value)) {
      if (typeof color === 'string' && /^#[0-9a-f]{3,8}$/i.test(color)) theme[key] = color;
    }
    return theme;
  } catch {
    return {};
  }
}

/** Reads the launch parameters from the hash, or from sessionStorage after a reload; null outside Telegram. */
export function readLaunchParams(location: Pick<Location, 'hash'>, storage: Storage | undefined): LaunchParams | null {
  let params = parseHashParams(location.hash);
  if (params.tgWebAppData !== undefined) {
    try {
      storage?.setItem(storageKey, JSON.stringify(params));
    } catch {
      // Storage may be disabled; the hash is enough for this load.
    }
  } else {
    try {
      params = JSON.parse(storage?.getItem(storageKey) ?? '{}') as Record<string, string>;
    } catch {
      params = {};
    }
  }
  if (!params.tgWebAppData) return null;
  return {
    initData: params.tgWebAppData,
    version: params.tgWebAppVersion ?? '6.0',
    platform: params.tgWebAppPlatform ?? 'unknown',
    themeParams: parseThemeParams(params.tgWebAppThemeParams),
  };
}
