/** Money is integer micro-USD everywhere; these helpers only format and parse it for people. */
export const microsPerUsd = 1_000_000;

/** `12500000` → `$12.50`; sub-cent amounts keep their significant digits (`$0.001`). */
export function formatUsd(micros: number, options: { signed?: boolean } = {}): string {
  const negative = micros < 0;
  const absolute = Math.abs(micros);
  const whole = Math.floor(absolute / microsPerUsd);
  let fraction = String(absolute % microsPerUsd)
    .padStart(6, '0')
    .replace(/0+$/, '');
  if (fraction.length < 2) fraction = fraction.padEnd(2, '0');
  const sign = negative ? '−' : options.signed && micros > 0 ? '+' : '';
  return `${sign}$${whole.toLocaleString('en-US')}.${fraction}`;
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
