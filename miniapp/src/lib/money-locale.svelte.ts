import type { Locale } from './i18n/translate.js';

/**
 * The language amounts are written in: the app's language (`I18n.load` sets it). Reactive
 * state, so every amount on screen is rewritten when the user switches language.
 */
export const moneyLocale = $state<{ value: Locale }>({ value: 'en' });
