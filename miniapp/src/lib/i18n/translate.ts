import type { MessageKey } from './en.js';

export type { MessageKey };
/** One language's words, key for key with `en.ts`. */
export type Catalog = Record<MessageKey, string>;
export type Locale = 'en' | 'ru';
export const locales: readonly Locale[] = ['en', 'ru'];
/** Each language named in itself, for the switch. */
export const localeNames: Record<Locale, string> = { en: 'English', ru: 'Русский' };

/** Text shown to the user: a catalog key, or words that come from elsewhere (the server's `detail`). */
export type Text = MessageKey | { text: string };

/**
 * `translate(en, 'en', 'dashboard.greeting', { name: 'Ada' })` → `Hi, Ada`. A message with `|` lists
 * its plural forms (en: one|other; ru: one|few|many), chosen by `count` with Intl.PluralRules; numbers are
 * written in the language's own way.
 */
export function translate(catalog: Catalog, locale: Locale, key: MessageKey, params: Record<string, string | number> = {}): string {
  let message = catalog[key];
  if (message.includes('|')) {
    const forms = message.split('|');
    const category = new Intl.PluralRules(locale).select(Number(params.count ?? 0));
    const index = category === 'one' ? 0 : category === 'few' ? 1 : forms.length - 1;
    message = forms[Math.min(index, forms.length - 1)] ?? message;
  }
  // Numbers are written as the language writes them (`1,234` / `1 234`).
  return message.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params[name];
    return value === undefined ? whole : typeof value === 'number' ? value.toLocaleString(locale) : value;
  });
}

/**
 * Telegram's `language_code` is an IETF tag (`ru`, `ru-RU`, `en`, `uk`…): Russian speakers get
 * Russian, everyone else English.
 */
export function localeFor(languageCode: string | null | undefined): Locale {
  return languageCode?.toLowerCase().startsWith('ru') ? 'ru' : 'en';
}

/** The user's `language_code` from the raw initData: only to choose words, never trusted for anything else. */
export function languageFromInitData(initData: string | undefined): string | undefined {
  try {
    const user = new URLSearchParams(initData ?? '').get('user');
    return user ? ((JSON.parse(user) as { language_code?: string }).language_code ?? undefined) : undefined;
  } catch {
    return undefined;
  }
}
