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

/** `1234567` → `1,234,567` (or with a no-break space in Russian). Shared with `formatBytes`. */
export function groupThousands(digits: string, separator: string): string {
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

/**
 * Why {@link parseUsd} refused a text: `empty`; `not_a_number` (letters, exponents, a
 * separator out of place, `1,000` grouping in Russian or `5,50` in English); `negative`;
 * `too_many_decimals` (past the micro-dollar); `too_large` (more micros than
 * `Number.MAX_SAFE_INTEGER`). Each face words its own message from it.
 *
 * @example
 * ```ts
 * import type { ParseUsdFailure } from '@kikuai/sdk';
 * const messages: Record<ParseUsdFailure, string> = { empty: 'Type an amount', not_a_number: 'Type an amount such as 12.50', negative: 'No negative amounts', too_many_decimals: 'At most six decimals', too_large: 'That is too much' };
 * ```
 */
export type ParseUsdFailure = 'empty' | 'not_a_number' | 'negative' | 'too_many_decimals' | 'too_large';

/**
 * What {@link parseUsd} read: integer micro-USD, or why not.
 *
 * @example
 * ```ts
 * import { parseUsd, type ParseUsdResult } from '@kikuai/sdk';
 * const result: ParseUsdResult = parseUsd('12.50');
 * if (result.ok) console.log(result.micros); // 12500000
 * else console.log(result.reason);
 * ```
 */
export type ParseUsdResult = { ok: true; micros: number } | { ok: false; reason: ParseUsdFailure };

// The digits of an amount per language, after the sign and the `$` are taken off: whole
// dollars, plain or grouped by thousands exactly as formatUsd writes them, then the decimals.
// English groups with `,` and marks decimals with `.`; Russian groups with spaces (a no-break
// space, as formatUsd writes, or a plain one) and marks decimals with `,` or `.` (phone keypads
// offer either).
const ENGLISH_AMOUNT = /^(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?$/;
const RUSSIAN_AMOUNT = /^(\d{1,3}(?:\s\d{3})+|\d+)(?:[,.](\d+))?$/;

/**
 * Reads an amount of US dollars a person typed into integer micro-USD, without floating
 * point, in the language the face is written in (default English); the inverse of
 * {@link formatUsd}. A `$` before or after the number and spaces around it are allowed.
 *
 * - English: `5`, `5.5`, `$5.50`, `1,000.00` (a `,` only groups thousands: `5,50` is refused).
 * - Russian: `5,50`, `5.50`, `1 000,50 $` (a `,` or `.` marks decimals: `1,000` is $1).
 * - Refused, with the reason: nothing, a negative amount, more than six decimals, more micros
 *   than `Number.MAX_SAFE_INTEGER`, and anything else (`ten`, `1e3`, `.5`, `5.`, `NaN`).
 *   Zero is an amount: whether it is allowed is the caller's rule.
 *
 * @example
 * ```ts
 * import { parseUsd } from '@kikuai/sdk';
 * parseUsd('$12.50');                  // { ok: true, micros: 12_500_000 }
 * parseUsd('1,000.00');                // { ok: true, micros: 1_000_000_000 }
 * parseUsd('5,50', { locale: 'ru' });  // { ok: true, micros: 5_500_000 }
 * parseUsd('5,50');                    // { ok: false, reason: 'not_a_number' }
 * parseUsd('-5');                      // { ok: false, reason: 'negative' }
 * parseUsd('0.0000001');               // { ok: false, reason: 'too_many_decimals' }
 * ```
 */
export function parseUsd(text: string, options?: { locale?: MoneyLocale }): ParseUsdResult {
  const trimmed = text.trim();
  // A minus (hyphen or U+2212) first, then a `$` before or after the number: `-5`, `−$5.00`, `5,00 $`.
  const [, minus, dollarBefore, amount = '', dollarAfter] = /^([-\u2212]?)\s*(\$?)\s*(.*?)\s*(\$?)$/.exec(trimmed) ?? [];
  const [, whole = '', fraction = ''] = (!(dollarBefore && dollarAfter) && (options?.locale === 'ru' ? RUSSIAN_AMOUNT : ENGLISH_AMOUNT).exec(amount)) || [];
  let reason: ParseUsdFailure | undefined;
  if (!trimmed) reason = 'empty';
  else if (!whole) reason = 'not_a_number';
  else if (minus) reason = 'negative';
  else if (fraction.length > 6) reason = 'too_many_decimals';
  // Whole numbers only: each product and sum is exact up to 2^53, and anything past it
  // rounds to at least 2^53, so the safe-integer check catches every amount too large.
  const micros = Number(whole.replace(/\D/g, '')) * MICROS_PER_USD + Number(fraction.padEnd(6, '0'));
  if (!reason && !Number.isSafeInteger(micros)) reason = 'too_large';
  return reason ? { ok: false, reason } : { ok: true, micros };
}
