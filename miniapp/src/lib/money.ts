/** Money is integer micro-USD everywhere; these helpers only format and parse it for people. */
import { formatUsd as formatUsdIn, parseUsd as parseUsdIn, type FormatUsdOptions, type MoneyLocale } from '@kikuai/sdk';

export { MICROS_PER_USD as microsPerUsd } from '@kikuai/sdk';

let currentLocale: () => MoneyLocale = () => 'en';

/**
 * Where amounts take their language from: the app's i18n (`I18n` registers a getter of its
 * reactive `locale`, so an amount on screen is rewritten when the user switches language).
 */
export function useMoneyLocale(locale: () => MoneyLocale): void {
  currentLocale = locale;
}

/**
 * The SDK's one money format (`$12.50`, `$0.001`, `−$5.00`; `{ sign: 'always' }` for `+$5.00`),
 * in the app's language (`1 234,50 $` in Russian) unless `locale` is given.
 */
export function formatUsd(micros: number, options: FormatUsdOptions = {}): string {
  return formatUsdIn(micros, { locale: currentLocale(), ...options });
}

/**
 * A typed amount (`5`, `5.5`, `$5.25`; `5,50` in Russian) → micros by the SDK's one rule, in the
 * app's language; null when it is not an amount (the screens show their own hint).
 */
export function parseUsd(text: string): number | null {
  const amount = parseUsdIn(text, { locale: currentLocale() });
  return amount.ok ? amount.micros : null;
}

export function starsFor(micros: number, microsPerStar: number): number {
  return Math.ceil(micros / microsPerStar);
}
