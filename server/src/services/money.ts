/**
 * Money is integer micro-USD. `microsToUsd` writes the API's `*_usd` wire strings (six
 * decimals, no symbol); text for people uses the SDK's `formatUsd`, the one display rule.
 */
export const MICROS_PER_USD = 1_000_000;

/** 12500000 → "12.500000"; -1500 → "-0.001500". */
export function microsToUsd(micros: number): string {
  if (!Number.isSafeInteger(micros)) throw new RangeError(`not a whole number of micros: ${micros}`);
  const sign = micros < 0 ? '-' : '';
  const absolute = Math.abs(micros);
  const whole = Math.floor(absolute / MICROS_PER_USD);
  const fraction = String(absolute % MICROS_PER_USD).padStart(6, '0');
  return `${sign}${whole}.${fraction}`;
}
