/** 1 USD = 1,000,000 micro-USD. Money never passes through a float here. */
export const MICROS_PER_USD = 1_000_000n;

const USD_PATTERN = /^\$?(\d{1,13})(?:\.(\d{1,6}))?$/;

/**
 * `"10"` → 10_000_000, `"12.50"` → 12_500_000, `"0.000001"` → 1. Integer arithmetic on
 * the digits only: `12.5 * 1e6` in floating point is exact, but `0.29 * 1e6` is not.
 * Returns undefined for anything else (negative, more than six decimals, exponents…).
 */
export function parseUsdToMicros(text: string): number | undefined {
  const match = USD_PATTERN.exec(text.trim());
  if (!match) return undefined;
  const whole = BigInt(match[1]!);
  const fraction = BigInt((match[2] ?? '').padEnd(6, '0'));
  const micros = whole * MICROS_PER_USD + fraction;
  return micros <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(micros) : undefined;
}

/** The SDK's one money format (`$1,234.50`, `$0.001`, `−$5.00`), re-exported for the commands and views. */
export { formatUsd } from '@kikuai/sdk';
