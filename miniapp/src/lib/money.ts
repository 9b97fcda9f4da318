/** Money is integer micro-USD everywhere; these helpers only format and parse it for people. */
export const microsPerUsd = 1_000_000;

import { formatUsd as formatUsdIn, type FormatUsdOptions } from '@kikuai/sdk';
import { moneyLocale } from './money-locale.svelte.js';

/**
 * The SDK's one money format (`$12.50`, `$0.001`, `−$5.00`; `{ sign: 'always' }` for `+$5.00`),
 * in the app's language (`1 234,50 $` in Russian) unless `locale` is given.
 */
export function formatUsd(micros: number, options: FormatUsdOptions = {}): string {
  return formatUsdIn(micros, { locale: moneyLocale.value, ...options });
}

/** `"5"`, `"5.5"`, `"$5.25"` → micros, without floating point; null when it is not an amount. */
export function parseUsd(text: string): number | null {
  const match = /^\s*\$?\s*(\d{1,9})(?:[.,](\d{0,6}))?\s*$/.exec(text);
  if (!match) return null;
  const whole = Number(match[1]);
  const fraction = Number((match[2] ?? '').padEnd(6, '0'));
  return whole * microsPerUsd + fraction;
}

export function starsFor(micros: number, microsPerStar: number): number {
  return Math.ceil(micros / microsPerStar);
}
