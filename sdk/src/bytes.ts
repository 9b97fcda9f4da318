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
  /** `en` (default): `64 KiB`; `ru`: `64 КиБ`. */
  locale?: MoneyLocale;
}

/**
 * Writes a number of bytes (a body limit, a file size) for people, exactly: a limit that
 * reads bigger or smaller than it is misleads, so nothing is rounded. The size is written
 * in the largest binary unit that divides it (KiB, MiB, GiB, TiB, PiB: powers of 1024, as the
 * limits are configured; their IEC symbols, so that `MiB` is never mistaken for a million
 * bytes), else in bytes, thousands grouped as {@link formatUsd} groups them. Russian
 * writes `Б`, `КиБ`, `МиБ`, `ГиБ`, `ТиБ`, `ПиБ`, with a no-break space before the unit. Throws
 * `RangeError` for anything but a whole, non-negative number of bytes.
 *
 * @example
 * ```ts
 * import { formatBytes } from '@kikuai/sdk';
 * formatBytes(65_536);                          // '64 KiB'
 * formatBytes(104_857_600);                     // '100 MiB'
 * formatBytes(1_048_576, { locale: 'ru' });     // '1 МиБ'
 * formatBytes(1_000_000);                       // '1,000,000 B' (exact, not '1 MB')
 * ```
 */
export function formatBytes(bytes: number, options?: FormatBytesOptions): string {
  if (!Number.isSafeInteger(bytes) || bytes < 0) throw new RangeError(`not a whole number of bytes: ${bytes}`);
  const russian = options?.locale === 'ru';
  let exponent = 0;
  // Up to PiB at most: a safe integer is below 8 PiB.
  while (bytes && bytes % 1024 === 0) {
    bytes /= 1024;
    exponent++;
  }
  // B, then KiB, MiB, GiB, TiB, PiB: a prefix, `i` for binary, the byte (Б, КиБ, МиБ… in Russian).
  const [prefixes, binary, byte, group, space] = russian ? ['КМГТП', 'и', 'Б', '\u00a0', '\u00a0'] : ['KMGTP', 'i', 'B', ',', ' '];
  return `${groupThousands(String(bytes), group)}${space}${exponent ? prefixes[exponent - 1]! + binary : ''}${byte}`;
}
