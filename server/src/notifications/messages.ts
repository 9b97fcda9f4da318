/**
 * The texts of the notifications, in English and Russian (chosen by the account's
 * Telegram `language_code`; anything else gets English). Plain text: no parse mode, so
 * key names need no escaping.
 */
import { formatUsd as formatUsdIn } from '@kikuai/sdk';
import type { ApiKeyRecord, PaymentIncident } from '../store/types.js';

export type Language = 'en' | 'ru';

export function languageOf(languageCode: string | null | undefined): Language {
  return languageCode?.toLowerCase().startsWith('ru') ? 'ru' : 'en';
}

/** The SDK's one money format, in the message's language. */
const formatMoney = (language: Language, micros: number) => formatUsdIn(micros, { locale: language });

const keyLabel = (key: ApiKeyRecord) => `"${key.name}" (${key.prefix}…${key.last_four})`;

export const messages = {
  /** What Telegram's Stars invoice shows the payer (title, description, the price line). */
  starsInvoice(language: Language, amountMicros: number, stars: number): { title: string; description: string; label: string } {
    const amount = formatMoney(language, amountMicros);
    return language === 'ru'
      ? { title: 'Баланс kikuai', description: `Пополнение баланса kikuai на ${amount} (${stars} Stars).`, label: `${amount} на баланс` }
      : { title: 'kikuai balance', description: `Top up your kikuai balance by ${amount} (${stars} Stars).`, label: `${amount} balance` };
  },
  /** The item Paddle's checkout shows the payer. */
  cardTopupDescription(language: Language, amountMicros: number): string {
    const amount = formatMoney(language, amountMicros);
    return language === 'ru' ? `Пополнение баланса kikuai на ${amount}` : `kikuai balance top-up ${amount}`;
  },
  paymentCredited(language: Language, amountMicros: number, balanceMicros: number, method: 'paddle' | 'stars' | 'admin'): string {
    const via = { paddle: { en: 'card', ru: 'картой' }, stars: { en: 'Telegram Stars', ru: 'Telegram Stars' }, admin: { en: 'operator', ru: 'оператор' } }[
      method
    ][language];
    return language === 'ru'
      ? `✅ Баланс пополнен на ${formatMoney(language, amountMicros)} (${via}). Баланс: ${formatMoney(language, balanceMicros)}.`
      : `✅ ${formatMoney(language, amountMicros)} added to your balance (${via}). Balance: ${formatMoney(language, balanceMicros)}.`;
  },
  lowBalance(language: Language, balanceMicros: number, thresholdMicros: number | null): string {
    const threshold =
      thresholdMicros === null
        ? ''
        : language === 'ru'
          ? ` (порог ${formatMoney(language, thresholdMicros)})`
          : ` (your alert is at ${formatMoney(language, thresholdMicros)})`;
    return language === 'ru'
      ? `⚠️ Баланс на исходе: осталось ${formatMoney(language, balanceMicros)}${threshold}. Пополнить: /topup`
      : `⚠️ Low balance: ${formatMoney(language, balanceMicros)} left${threshold}. Top up with /topup`;
  },
  starsRefunded(language: Language, stars: number | null, amountMicros: number, balanceMicros: number): string {
    const paid = stars === null ? formatMoney(language, amountMicros) : `${stars} ⭐`;
    return language === 'ru'
      ? `↩️ Платёж ${paid} возвращён: с баланса списано ${formatMoney(language, amountMicros)}. Баланс: ${formatMoney(language, balanceMicros)}.`
      : `↩️ Your payment of ${paid} was refunded: ${formatMoney(language, amountMicros)} taken from your balance. Balance: ${formatMoney(language, balanceMicros)}.`;
  },
  /** To the operator's chat, in English. */
  paymentIncident(incident: PaymentIncident): string {
    const about = [incident.account_id && `account ${incident.account_id}`, incident.topup_id && `top-up ${incident.topup_id}`].filter(Boolean).join(', ');
    return `🚨 Payment incident (${incident.kind})${about ? ` — ${about}` : ''}: ${incident.detail} Nothing was credited. Incident id: ${incident.id}`;
  },
  balanceExhausted(language: Language, balanceMicros: number): string {
    return language === 'ru'
      ? `⛔ Баланс исчерпан (${formatMoney(language, balanceMicros)}). Платные вызовы API остановлены до пополнения: /topup`
      : `⛔ Your balance is used up (${formatMoney(language, balanceMicros)}). Paid API calls stop until you top up: /topup`;
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
