import { describe, expect, it } from 'vitest';
import { ApiError } from '../src/lib/api/client.js';
import { describeFailure, type Failure } from '../src/lib/api/errors.js';
import { en } from '../src/lib/i18n/en.js';
import { ru } from '../src/lib/i18n/ru.js';
import { languageFromInitData, localeFor, translate, type Catalog, type Locale, type MessageKey } from '../src/lib/i18n/translate.js';
import { readLaunchParams } from '../src/lib/telegram/launch-params.js';
import { invoiceSlug } from '../src/lib/telegram/bridge.js';
import { colorSchemeOf } from '../src/lib/telegram/theme.js';
import { darkTheme, lightTheme } from '../src/lib/telegram/themes.js';
import { formatUsd, parseUsd, starsFor, useMoneyLocale } from '../src/lib/money.js';
import { usageSeries } from '../src/lib/usage-chart.js';

const catalogs: Record<Locale, Catalog> = { en, ru };

class MemoryStorage implements Storage {
  #items = new Map<string, string>();
  get length() {
    return this.#items.size;
  }
  clear() {
    this.#items.clear();
  }
  getItem(key: string) {
    return this.#items.get(key) ?? null;
  }
  key(index: number) {
    return [...this.#items.keys()][index] ?? null;
  }
  removeItem(key: string) {
    this.#items.delete(key);
  }
  setItem(key: string, value: string) {
    this.#items.set(key, value);
  }
}

describe('launch parameters', () => {
  const initData = 'query_id=AA&user=%7B%22id%22%3A1%7D&auth_date=1700000000&hash=ab';
  const hash = `#${new URLSearchParams({
    tgWebAppData: initData,
    tgWebAppVersion: '8.0',
    tgWebAppPlatform: 'tdesktop',
    tgWebAppThemeParams: JSON.stringify({ bg_color: '#212121', text_color: '#ffffff', bogus: 'url(x)' }),
  })}`;

  it('reads the raw initData, version, platform and theme from the hash', () => {
    const params = readLaunchParams({ hash }, new MemoryStorage());
    expect(params).toEqual({
      initData,
      version: '8.0',
      platform: 'tdesktop',
      themeParams: { bg_color: '#212121', text_color: '#ffffff' },
    });
  });

  it('finds them again after a reload whose hash is gone', () => {
    const storage = new MemoryStorage();
    readLaunchParams({ hash }, storage);
    expect(readLaunchParams({ hash: '' }, storage)?.initData).toBe(initData);
  });

  it('is null outside Telegram', () => {
    expect(readLaunchParams({ hash: '' }, new MemoryStorage())).toBeNull();
    expect(readLaunchParams({ hash: '#/some/route' }, new MemoryStorage())).toBeNull();
  });
});

describe('invoice links', () => {
  it('takes the slug from the links Telegram issues', () => {
    expect(invoiceSlug('https://t.me/$AbC-12_x')).toBe('AbC-12_x');
    expect(invoiceSlug('https://t.me/invoice/AbC')).toBe('AbC');
    expect(invoiceSlug('https://example.com/$AbC')).toBeNull();
    expect(invoiceSlug('not a link')).toBeNull();
  });
});

describe('theme', () => {
  it('tells dark from light by the background as Telegram does', () => {
    expect(colorSchemeOf(lightTheme)).toBe('light');
    expect(colorSchemeOf(darkTheme)).toBe('dark');
    expect(colorSchemeOf({})).toBe('light');
  });
});

describe('money', () => {
  it('formats micro-USD for people', () => {
    expect(formatUsd(12_500_000)).toBe('$12.50');
    expect(formatUsd(1_000)).toBe('$0.001');
    expect(formatUsd(1_234_567_890)).toBe('$1,234.56789');
    expect(formatUsd(-250_000)).toBe('−$0.25');
    expect(formatUsd(250_000, { sign: 'always' })).toBe('+$0.25');
  });

  it("parses typed amounts without floating point, in the app's language", () => {
    expect(parseUsd('5')).toBe(5_000_000);
    expect(parseUsd('$12.34')).toBe(12_340_000);
    expect(parseUsd('1,000')).toBe(1_000_000_000);
    expect(parseUsd('0,1')).toBeNull();
    expect(parseUsd('1.0000001')).toBeNull();
    expect(parseUsd('-5')).toBeNull();
    expect(parseUsd('five')).toBeNull();
    useMoneyLocale(() => 'ru');
    try {
      expect(parseUsd('0,1')).toBe(100_000);
      expect(parseUsd('2.5')).toBe(2_500_000);
      expect(parseUsd('1 000,50')).toBe(1_000_500_000);
    } finally {
      useMoneyLocale(() => 'en');
    }
  });

  it('rounds Stars up', () => {
    expect(starsFor(5_000_000, 13_000)).toBe(385);
  });
});

describe('usage chart', () => {
  it('sums rows per day and product over every day of the range', () => {
    const row = (day: string, product_id: string, cost_micros: number, requests: number) => ({
      day,
      product_id,
      key_id: 'key_a',
      requests,
      errors: 0,
      cost_micros,
      cost_usd: '0',
      avg_latency_ms: 10,
    });
    const series = usageSeries(
      [row('2026-11-26', 'reliapi', 3_000, 3), row('2026-11-26', 'reliapi', 1_000, 1), row('2026-11-27', 'search', 500, 1)],
      3,
      new Date('2026-11-27T12:00:00Z'),
    );
    expect(series.products).toEqual(['reliapi', 'search']);
    expect(series.days.map((day) => [day.day, day.totalMicros, day.requests])).toEqual([
      ['2026-11-25', 0, 0],
      ['2026-11-26', 4_000, 4],
      ['2026-11-27', 500, 1],
    ]);
    expect(series.maxMicros).toBe(4_000);
    expect(series.totalRequests).toBe(5);
  });
});

describe('failures', () => {
  const problem = (status: number, code: string, detail: string) => new ApiError(status, { code, title: code, detail, request_id: 'req_1' });
  const read = (failure: Failure, locale: Locale) => ({
    kind: failure.kind,
    title: typeof failure.title === 'string' ? translate(catalogs[locale], locale, failure.title) : failure.title.text,
    message: typeof failure.message === 'string' ? translate(catalogs[locale], locale, failure.message) : failure.message.text,
    requestId: failure.requestId,
  });

  it.each([
    {
      status: 403,
      code: 'account_suspended',
      detail: 'This account is suspended.',
      en: { kind: 'suspended', title: 'Your account is suspended', message: 'Contact support through the bot (/support).' },
      ru: { kind: 'suspended', title: 'Ваш аккаунт приостановлен', message: 'Напишите в поддержку через бота (/support).' },
    },
    {
      status: 409,
      code: 'too_many_keys',
      detail: 'This account already holds 20 keys, the most an account may.',
      en: {
        kind: 'rejected',
        title: 'Too many keys',
        message: 'Your account holds as many API keys as it may. Revoke one you no longer use, then create the new one.',
      },
      ru: {
        kind: 'rejected',
        title: 'Слишком много ключей',
        message: 'У аккаунта уже столько API-ключей, сколько разрешено. Отзовите ненужный, затем создайте новый.',
      },
    },
    {
      status: 400,
      code: 'invalid_amount',
      detail: 'A top-up is between $1.00 and $500.00.',
      en: { kind: 'rejected', title: 'That did not work', message: 'A top-up is between $1.00 and $500.00.' },
      ru: { kind: 'rejected', title: 'Не получилось', message: 'A top-up is between $1.00 and $500.00.' },
    },
    {
      status: 401,
      code: 'init_data_expired',
      detail: 'The Telegram initData is older than this server accepts.',
      en: { kind: 'auth', title: 'This session has expired', message: 'Close the app and open it again from the bot so Telegram can sign you in afresh.' },
      ru: { kind: 'auth', title: 'Сеанс истёк', message: 'Закройте приложение и откройте его снова из бота, чтобы Telegram заново выполнил вход.' },
    },
  ])(
    "words $code in the user's terms and language where the user can act on it, else with the server's detail",
    ({ status, code, detail, en: inEnglish, ru: inRussian }) => {
      const failure = describeFailure(problem(status, code, detail));
      expect(read(failure, 'en')).toEqual({ ...inEnglish, requestId: 'req_1' });
      expect(read(failure, 'ru')).toEqual({ ...inRussian, requestId: 'req_1' });
    },
  );
});

describe('message catalogs', () => {
  const placeholders = (message: string) => [...message.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();

  it('gives Russian for every English message, with the same placeholders and a form for each Russian plural', () => {
    expect(Object.keys(ru).sort()).toEqual(Object.keys(en).sort());
    for (const key of Object.keys(en) as MessageKey[]) {
      expect(new Set(placeholders(ru[key])), key).toEqual(new Set(placeholders(en[key])));
      const englishForms = en[key].split('|').length;
      if (englishForms > 1) expect(ru[key].split('|').length, key).toBe(3);
    }
  });

  it('fills in names and picks the plural form each language needs', () => {
    expect(translate(en, 'en', 'dashboard.greeting', { name: 'Ada' })).toBe('Hi, Ada');
    expect(translate(ru, 'ru', 'dashboard.greeting', { name: 'Ада' })).toBe('Привет, Ада');
    expect([1, 2, 5].map((count) => translate(en, 'en', 'dashboard.requests', { count }))).toEqual(['1 request', '2 requests', '5 requests']);
    expect([1, 2, 5, 21, 22, 11].map((count) => translate(ru, 'ru', 'dashboard.requests', { count }))).toEqual([
      '1 запрос',
      '2 запроса',
      '5 запросов',
      '21 запрос',
      '22 запроса',
      '11 запросов',
    ]);
  });

  it('writes counts as each language writes numbers, in the plural form the number needs', () => {
    expect(translate(en, 'en', 'history.calls', { count: 1234 })).toBe('1,234 calls');
    expect(translate(ru, 'ru', 'history.calls', { count: 1234 })).toBe('1\u00a0234 вызова');
    expect(translate(ru, 'ru', 'product.rate-limit', { count: 1, seconds: 60 })).toBe('До 1 запроса за 60 с на аккаунт');
    expect(translate(ru, 'ru', 'product.rate-limit', { count: 600, seconds: 60 })).toBe('До 600 запросов за 60 с на аккаунт');
  });

  it('chooses Russian for a Telegram user whose language_code is Russian, English for everyone else', () => {
    const initData = (user: Record<string, unknown>) => new URLSearchParams({ user: JSON.stringify(user), auth_date: '1', hash: 'ab' }).toString();
    expect(localeFor(languageFromInitData(initData({ id: 1, language_code: 'ru' })))).toBe('ru');
    expect(localeFor(languageFromInitData(initData({ id: 1, language_code: 'ru-RU' })))).toBe('ru');
    expect(localeFor(languageFromInitData(initData({ id: 1, language_code: 'en' })))).toBe('en');
    expect(localeFor(languageFromInitData(initData({ id: 1, language_code: 'de' })))).toBe('en');
    expect(localeFor(languageFromInitData(initData({ id: 1 })))).toBe('en');
    expect(localeFor(languageFromInitData('not init data'))).toBe('en');
  });
});
