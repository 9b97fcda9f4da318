/** Display helpers. Money is shown by the SDK's one format, from the API's `*_micros` fields. */
import { formatUsd as formatUsdIn, type FormatUsdOptions } from '@kikuai/sdk';
import type { BotContext } from '../context.js';
import { localeOf, type Locale } from '../i18n.js';

export function escapeHtml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}

/**
 * Micro-USD in the language the reply is written in (`$1,234.50` / `1 234,50 $`). The
 * locale is read from the catalog itself (`money-locale`), so it follows whatever chose
 * the reply's language.
 */
export function formatMoney(ctx: Pick<BotContext, 't'>, micros: number, options: Omit<FormatUsdOptions, 'locale'> = {}): string {
  return formatUsdIn(micros, { ...options, locale: localeOf(ctx.t('money-locale')) });
}

/** The language the reply is written in: for the API's `Accept-Language` (product descriptions), amounts and sizes. */
export function replyLanguage(ctx: Pick<BotContext, 't'>): Locale {
  return localeOf(ctx.t('money-locale'));
}

/** Micro-USD in English (`$5.00`). Kept for callers without a context; replies use {@link formatMoney}. */
export function formatMicros(micros: number): string {
  return formatUsdIn(micros);
}

/** A six-decimal `*_usd` wire string in English (`'12.500000'` → `$12.50`). Kept for older callers; prefer the `*_micros` fields. */
export function formatUsd(usd: string): string {
  const match = /^([-+]?)(\d+)(?:\.(\d{0,6}))?$/.exec(usd);
  if (!match) throw new RangeError(`not a USD amount: ${usd}`);
  const [, sign, whole = '0', fraction = ''] = match;
  const micros = BigInt(whole) * 1_000_000n + BigInt(fraction.padEnd(6, '0'));
  return formatUsdIn(sign === '-' ? -micros : micros);
}

/** `2026-11-27T10:00:00.000Z` → `2026-11-27 10:00 UTC`. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}
