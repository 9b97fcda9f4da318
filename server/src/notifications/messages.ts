/**
 * The texts of the notifications, in English and Russian (chosen by the account's
 * Telegram `language_code`; anything else gets English). Plain text: no parse mode, so
 * key names need no escaping.
 */
import type { ApiKeyRecord, PaymentIncident } from '../store/types.js';

export type Language = 'en' | 'ru';

export function languageOf(languageCode: string | null | undefined): Language {
  return languageCode?.toLowerCase().startsWith('ru') ? 'ru' : 'en';
}

/** 12_500_000 → "$12.50"; 1_500 → "$0.0015"; -2_000_000 → "-$2.00". At least two decimals, no trailing zeros beyond them. */
export function formatUsd(micros: number): string {
  const sign = micros < 0 ? '-' : '';
  const absolute = Math.abs(micros);
  const whole = Math.floor(absolute / 1_000_000);
  let fraction = String(absolute % 1_000_000)
    .padStart(6, '0')
    .replace(/0+$/, '');
  if (fraction.length < 2) fraction = fraction.padEnd(2, '0');
  return `${sign}$${whole}.${fraction}`;
}

const keyLabel = (key: ApiKeyRecord) => `"${key.name}" (${key.prefix}…${key.last_four})`;

export const messages = {
  paymentCredited(language: Language, amountMicros: number, balanceMicros: number, method: 'paddle' | 'stars' | 'admin'): string {
    const via = { paddle: { en: 'card', ru: 'картой' }, stars: { en: 'Telegram Stars', ru: 'Telegram Stars' }, admin: { en: 'operator', ru: 'оператор' } }[
      method
    ][language];
    return language === 'ru'
      ? `✅ Баланс пополнен на ${formatUsd(amountMicros)} (${via}). Баланс: ${formatUsd(balanceMicros)}.`
      : `✅ ${formatUsd(amountMicros)} added to your balance (${via}). Balance: ${formatUsd(balanceMicros)}.`;
  },
  lowBalance(language: Language, balanceMicros: number, thresholdMicros: number | null): string {
    const threshold =
      thresholdMicros === null ? '' : language === 'ru' ? ` (порог ${formatUsd(thresholdMicros)})` : ` (your alert is at ${formatUsd(thresholdMicros)})`;
    return language === 'ru'
      ? `⚠️ Баланс на исходе: осталось ${formatUsd(balanceMicros)}${threshold}. Пополнить: /topup`
      : `⚠️ Low balance: ${formatUsd(balanceMicros)} left${threshold}. Top up with /topup`;
  },
  starsRefunded(language: Language, stars: number | null, amountMicros: number, balanceMicros: number): string {
    const paid = stars === null ? formatUsd(amountMicros) : `${stars} ⭐`;
    return language === 'ru'
      ? `↩️ Платёж ${paid} возвращён: с баланса списано ${formatUsd(amountMicros)}. Баланс: ${formatUsd(balanceMicros)}.`
      : `↩️ Your payment of ${paid} was refunded: ${formatUsd(amountMicros)} taken from your balance. Balance: ${formatUsd(balanceMicros)}.`;
  },
  /** To the operator's chat, in English. */
  paymentIncident(incident: PaymentIncident): string {
    const about = [incident.account_id && `account ${incident.account_id}`, incident.topup_id && `top-up ${incident.topup_id}`].filter(Boolean).join(', ');
    return `🚨 Payment incident (${incident.kind})${about ? ` — ${about}` : ''}: ${incident.detail} Nothing was credited. Incident id: ${incident.id}`;
  },
  balanceExhausted(language: Language, balanceMicros: number): string {
    return language === 'ru'
      ? `⛔ Баланс исчерпан (${formatUsd(balanceMicros)}). Платные вызовы API остановлены до пополнения: /topup`
      : `⛔ Your balance is used up (${formatUsd(balanceMicros)}). Paid API calls stop until you top up: /topup`;
  },
  keyCreated(language: Language, key: ApiKeyRecord): string {
    return language === 'ru' ? `🔑 Создан API-ключ ${keyLabel(key)}.` : `🔑 API key ${keyLabel(key)} was created.`;
  },
  keyRotated(language: Language, key: ApiKeyRecord): string {
    const until = key.previous_hash_expires_at;
    if (language === 'ru') {
      return `🔄 API-ключ ${keyLabel(key)} перевыпущен. ${until ? `Старый секрет действует до ${until}.` : 'Старый секрет больше не действует.'}`;
    }
    return `🔄 API key ${keyLabel(key)} was rotated. ${until ? `The old secret works until ${until}.` : 'The old secret no longer works.'}`;
  },
  keyRevoked(language: Language, key: ApiKeyRecord): string {
    return language === 'ru' ? `🗑 API-ключ ${keyLabel(key)} отозван.` : `🗑 API key ${keyLabel(key)} was revoked.`;
  },
};
