/** Display helpers. Amounts arrive from the API as six-decimal USD strings; no float arithmetic here. */

export function escapeHtml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}

/** `'12.500000'` → `$12.50`, `'0.001000'` → `$0.001`, `'-5.000000'` → `-$5.00`. */
export function formatUsd(usd: string): string {
  const negative = usd.startsWith('-');
  const [whole = '0', fraction = ''] = usd.replace(/^[-+]/, '').split('.');
  const trimmed = fraction.replace(/0+$/, '').padEnd(2, '0');
  return `${negative ? '-' : ''}$${whole}.${trimmed}`;
}

/** Micro-USD to a display string, integer arithmetic only: 5_000_000 → `$5.00`. */
export function formatMicros(micros: number): string {
  const sign = micros < 0 ? '-' : '';
  const absolute = Math.abs(micros);
  const whole = Math.floor(absolute / 1_000_000);
  const fraction = String(absolute % 1_000_000).padStart(6, '0');
  return formatUsd(`${sign}${whole}.${fraction}`);
}

/** `2026-11-27T10:00:00.000Z` → `2026-11-27 10:00 UTC`. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** `$5.00` in whole dollars → micros, or null when it is not an amount (`/topup 12.5`). */
export function parseUsdToMicros(text: string): number | null {
  const match = /^\$?(\d{1,9})(?:[.,](\d{1,6}))?$/.exec(text.trim());
  if (!match) return null;
  return Number(match[1]) * 1_000_000 + Number((match[2] ?? '').padEnd(6, '0'));
}
