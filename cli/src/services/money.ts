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

/** 12_500_000 → `"$12.50"`, 1_000 → `"$0.001"`, -500 → `"-$0.0005"`: at least two decimals, no trailing zeros past them. */
export function formatUsd(micros: number | bigint): string {
  const value = BigInt(micros);
  const negative = value < 0n;
  const absolute = negative ? -value : value;
  const whole = absolute / MICROS_PER_USD;
  let fraction = (absolute % MICROS_PER_USD).toString().padStart(6, '0').replace(/0+$/, '');
  if (fraction.length < 2) fraction = fraction.padEnd(2, '0');
  return `${negative ? '-' : ''}$${whole.toLocaleString('en-US')}.${fraction}`;
}
