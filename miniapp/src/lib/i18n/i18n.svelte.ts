import { useMoneyLocale } from '../money.js';
import { localeFor, translate, type Catalog, type Locale, type MessageKey, type Text } from './translate.js';

export { localeNames, locales, type Locale, type MessageKey, type Text } from './translate.js';

const storageKey = 'kikuai.locale';

// Each catalog is its own chunk: a user downloads only the language they read.
const catalogLoaders: Record<Locale, () => Promise<Catalog>> = {
  en: () => import('./en.js').then((module) => module.en),
  ru: () => import('./ru.js').then((module) => module.ru),
};

/**
 * The app's language: the user's own choice (kept on this device), else Telegram's
 * `language_code`, else English. `t` reads `locale` and the loaded catalog, so everything
 * it wrote follows a switch. `load()` must have finished before the first `t`.
 */
export class I18n {
  locale = $state<Locale>('en');
  #catalog = $state.raw<Catalog | undefined>(undefined);
  readonly #storage: Storage | undefined;

  constructor(languageCode?: string | null, storage?: Storage) {
    this.#storage = storage;
    this.locale = this.#stored() ?? localeFor(languageCode);
    useMoneyLocale(() => this.locale);
  }

  /** Loads the catalog of `locale` (the chosen one by default) and switches to it. */
  async load(locale: Locale = this.locale): Promise<void> {
    const catalog = await catalogLoaders[locale]();
    this.#catalog = catalog;
    this.locale = locale;
  }

  /** Switches the language and remembers the choice on this device. */
  async choose(locale: Locale): Promise<void> {
    try {
      this.#storage?.setItem(storageKey, locale);
    } catch {
      // Storage may be disabled in a web view: the switch still holds for this visit.
    }
    await this.load(locale);
  }

  t = (key: MessageKey, params?: Record<string, string | number>): string => (this.#catalog ? translate(this.#catalog, this.locale, key, params) : '');

  /** A `Text`: translated when it is a key, as it is when it came from elsewhere. */
  text = (value: Text): string => (typeof value === 'string' ? this.t(value) : value.text);

  #stored(): Locale | undefined {
    try {
      const stored = this.#storage?.getItem(storageKey);
      return stored === 'en' || stored === 'ru' ? stored : undefined;
    } catch {
      return undefined;
    }
  }
}
