import type { Context } from 'grammy';
import type { I18nFlavor } from '@grammyjs/i18n';
import type { BotConfig } from './config.js';
import type { Logger } from './logger.js';
import type { KikuaiClient, KikuaiClientFactory } from './services/kikuai.js';

interface ExtraContext {
  config: BotConfig;
  logger: Logger;
  /** Makes an API client acting for a Telegram user. */
  kikuaiFor: KikuaiClientFactory;
  /** The API client acting for the update's sender (throws when the update has none). */
  readonly kikuai: KikuaiClient;
}

export type BotContext = Context & I18nFlavor & ExtraContext;
