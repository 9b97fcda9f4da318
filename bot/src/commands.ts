import type { Api } from 'grammy';
import { createI18n, LOCALES } from './i18n.js';

/** The commands shown in Telegram's menu, in this order; descriptions come from the catalogs (`command-<name>`). */
export const COMMANDS = [
  'start',
  'api_key',
  'regenerate_key',
  'new_key',
  'quickstart',
  'balance',
  'topup',
  'usage',
  'history',
  'products',
  'help',
  'paysupport',
  'terms',
  'support',
] as const;

/** Registers the command list in every language; English is also the default for other languages. Call at start-up only. */
export async function registerCommands(api: Api, i18n = createI18n()): Promise<void> {
  for (const locale of LOCALES) {
    const commands = COMMANDS.map((command) => ({ command, description: i18n.t(locale, `command-${command.replaceAll('_', '-')}`) }));
    await api.setMyCommands(commands, locale === 'en' ? {} : { language_code: locale });
  }
}
