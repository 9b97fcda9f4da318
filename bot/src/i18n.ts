import { fileURLToPath } from 'node:url';
import { I18n } from '@grammyjs/i18n';
import type { BotContext } from './context.js';

export const LOCALES = ['en', 'ru'] as const;
export type Locale = (typeof LOCALES)[number];

export const localesDirectory = fileURLToPath(new URL('./locales', import.meta.url));

/** `ru`, `ru-RU` → ru; anything else (or nothing) → en. */
export function localeOf(languageCode: string | undefined): Locale {
  const base = languageCode?.toLowerCase().split(/[-_]/)[0];
  return (LOCALES as readonly string[]).includes(base ?? '') ? (base as Locale) : 'en';
}

export function createI18n(): I18n<BotContext> {
  return new I18n<BotContext>({
    defaultLocale: 'en',
    directory: localesDirectory,
    // Without this Fluent wraps every variable in Unicode isolation marks, and a copied key would carry them.
    fluentBundleOptions: { useIsolating: false },
    localeNegotiator: (ctx) => localeOf(ctx.from?.language_code),
  });
}
