/**
 * The one display rule for money, shared by the CLI, the bot, the Mini App and the
 * server's own messages. Amounts are integer micro-USD; no floating point touches them.
 *
 * - Cents normally (`$5.00`); an amount that is not a whole number of cents keeps exactly
 *   the digits it needs, up to the micro-dollar (`$0.001`, `$4.991`, `$0.000001`), so a
 *   $0.001 call never reads `$0.00` and nothing is rounded away.
 * - Thousands grouped: `$1,234.50` in English, `1 234,50 $` in Russian (a no-break space
 *   groups and sits before the `$`, the comma is the decimal mark).
 * - Negative amounts take a minus sign, U+2212 `−` (`−$5.00`, `−5,00 $`); `sign: 'always'`
 *   adds `+` to positive amounts. Zero never has a sign.
 */

/**
 * 1 USD = 1,000,000 micro-USD, the unit of every `*_micros` field.
 *
 * @example
 * ```ts
 * import { MICROS_PER_USD } from '@kikuai/sdk';
 * const tenDollars = 10 * MICROS_PER_USD; // 10_000_000
 * ```
 */
export const MICROS_PER_USD = 1_000_000;

/**
 * The languages money is written in.
 *
 * @example
 * ```ts
 * import type { MoneyLocale } from '@kikuai/sdk';
 * const locale: MoneyLocale = telegramLanguage.startsWith('ru') ? 'ru' : 'en';
 * ```
 */
export type MoneyLocale = 'en' | 'ru';

/**
 * How {@link formatUsd} writes an amount.
 *
 * @example
 * ```ts
 * import type { FormatUsdOptions } from '@kikuai/sdk';
 * const ledgerAmount: FormatUsdOptions = { locale: 'ru', sign: 'always' };
 * ```
 */
export interface FormatUsdOptions {
  /** `en` (default): `$1,234.50`; `ru`: `1 234,50 $`. */
  locale?: MoneyLocale;
  /** `auto` (default): a minus sign on negative amounts only; `always`: `+` on positive ones too (ledger rows). */
  sign?: 'auto' | 'always';
}

/**
 * U+2212, the minus sign {@link formatUsd} writes: as wide as `+`, read as "minus" by
 * screen readers (a hyphen is read as "dash").
 *
 * @example
 * ```ts
 * import { formatUsd, MINUS_SIGN } from '@kikuai/sdk';
 * formatUsd(-1_000).startsWith(MINUS_SIGN); // true
 * ```
 */
export const MINUS_SIGN = '\u2212';
const NO_BREAK_SPACE = '\u00a0';

const MICROS = BigInt(MICROS_PER_USD);

function groupThousands(digits: string, separator: string): string {
  let grouped = '';
  for (let end = digits.length; end > 0; end -= 3) {
    const start = Math.max(0, end - 3);
    grouped = digits.slice(start, end) + (grouped === '' ? '' : separator + grouped);
  }
  return grouped;
}

/**
 * Writes an amount of micro-USD for people, by the one rule above. Throws `RangeError`
 * for anything but a whole number of micros.
 *
 * @example
 * ```ts
 * import { formatUsd } from '@kikuai/sdk';
 * formatUsd(12_500_000);                            // '$12.50'
 * formatUsd(1_000);                                 // '$0.001'
 * formatUsd(1_234_500_000);                         // '$1,234.50'
 * formatUsd(-5_000_000);                            // '−$5.00'
 * formatUsd(5_000_000, { sign: 'always' });         // '+$5.00'
 * formatUsd(1_234_500_000, { locale: 'ru' });       // '1 234,50 $'
 * ```
 */
export function formatUsd(micros: number | bigint, options: FormatUsdOptions = {}): string {
  if (typeof micros === 'number' && !Number.isSafeInteger(micros)) throw new RangeError(`not a whole number of micro-USD: ${micros}`);
  const value = BigInt(micros);
  const negative = value < 0n;
  const absolute = negative ? -value : value;
  let fraction = (absolute % MICROS).toString().padStart(6, '0').replace(/0+$/, '');
  if (fraction.length < 2) fraction = fraction.padEnd(2, '0');
  const russian = options.locale === 'ru';
  const whole = groupThousands((absolute / MICROS).toString(), russian ? NO_BREAK_SPACE : ',');
  const sign = negative ? MINUS_SIGN : options.sign === 'always' && value > 0n ? '+' : '';
  return russian ? `${sign}${whole},${fraction}${NO_BREAK_SPACE}$` : `${sign}$${whole}.${fraction}`;
}
