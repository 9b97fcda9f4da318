import { groupThousands, type MoneyLocale } from './money.js';

/**
 * How {@link formatBytes} writes a size.
 *
 * @example
 * ```ts
 * import type { FormatBytesOptions } from '@kikuai/sdk';
 * const options: FormatBytesOptions = { locale: 'ru' };
 * ```
 */
export interface FormatBytesOptions {
  /** `en` (default): `64 KiB`, `1 MB`; `ru`: `64 КиБ`, `1 МБ`. */
  locale?: MoneyLocale;
}

// Unit symbols from bytes up, per language: binary (IEC: 1 KiB = 1024 B) and decimal (SI: 1 kB = 1000 B).
const BINARY = { en: ['B', 'KiB', 'MiB', 'GiB', 'TiB'], ru: ['Б', 'КиБ', 'МиБ', 'ГиБ', 'ТиБ'] };
const DECIMAL = { en: ['B', 'kB', 'MB', 'GB', 'TB'], ru: ['Б', 'кБ', 'МБ', 'ГБ', 'ТБ'] };

/** The size in the largest unit of `base` that divides it exactly: `[count, exponent]`. */
function exactly(bytes: number, base: number): [number, number] {
  let exponent = 0;
  while (bytes >= base && bytes % base === 0 && exponent < 4) {
    bytes /= base;
    exponent += 1;
  }
  return [bytes, exponent];
}

/**
 * Writes a number of bytes (a body limit, a file size) for people, exactly: never rounded,
 * since a limit that reads bigger or smaller than it is misleads. The size is written in
 * the largest unit that divides it: binary units (KiB, MiB, GiB, TiB: powers of 1024) or
 * decimal ones (kB, MB, GB, TB: powers of 1000), whichever unit is larger (binary on a
 * tie); otherwise in bytes, thousands grouped as {@link formatUsd} groups them. Russian
 * writes `КиБ`, `МБ`, `Б`, with a no-break space before the unit. Throws `RangeError` for
 * anything but a whole, non-negative number of bytes.
 *
 * @example
 * ```ts
 * import { formatBytes } from '@kikuai/sdk';
 * formatBytes(65_536);                          // '64 KiB'
 * formatBytes(104_857_600);                     // '100 MiB'
 * formatBytes(1_000_000);                       // '1 MB'
 * formatBytes(1_000_000, { locale: 'ru' });     // '1 МБ'
 * formatBytes(1_500);                          // '1,500 B' (exact, not '1.5 kB')
 * ```
 */
export function formatBytes(bytes: number, options: FormatBytesOptions = {}): string {
  if (!Number.isSafeInteger(bytes) || bytes < 0) throw new RangeError(`not a whole number of bytes: ${bytes}`);
  const russian = options.locale === 'ru';
  const binary = exactly(bytes, 1024);
  const decimal = exactly(bytes, 1000);
  const inDecimal = decimal[1] > binary[1];
  const [count, exponent] = inDecimal ? decimal : binary;
  const unit = (inDecimal ? DECIMAL : BINARY)[russian ? 'ru' : 'en'][exponent];
  return `${groupThousands(String(count), russian ? '\u00a0' : ',')}${russian ? '\u00a0' : ' '}${unit}`;
}
