import { Composer, InlineKeyboard } from 'grammy';
import { KikuaiError, type ApiKey, type Permission } from '@kikuai/sdk';
import type { BotContext } from '../context.js';
import { confirmKeyboard } from '../keyboards/confirm.js';
import { MENU } from '../keyboards/main-menu.js';
import { privateOnly } from '../middlewares/private-only.js';
import { escapeHtml, formatTime } from '../services/format.js';
import { quickstartHtml } from '../services/quickstart.js';

const ROTATE = { ask: 'rot:ask:', yes: 'rot:yes:', create: 'rot:new', cancel: 'rot:no' } as const;
const NEW_KEY = 'nk:';

/** What /new_key offers; `undefined` permissions: every one (a key the bot makes may hold all). */
const KEY_PRESETS = {
  full: undefined,
  calls: ['products:call'],
  read: ['billing:read'],
} as const satisfies Record<string, readonly Permission[] | undefined>;
type KeyPreset = keyof typeof KEY_PRESETS;
const isPreset = (value: string): value is KeyPreset => Object.hasOwn(KEY_PRESETS, value);
/** Telegram's limit on a button's callback data, in bytes. */
const CALLBACK_DATA_BYTES = 64;

/** A key the user named is gone (revoked meanwhile, perhaps from the Mini App): the API answers 404. */
const isGone = (error: unknown) => error instanceof KikuaiError && error.status === 404 && error.code === 'not_found';

/** /api_key lists keys (never a secret); /regenerate_key rotates one after a confirmation; /new_key makes another. */
export const keysFeature = new Composer<BotContext>();

async function listKeys(ctx: BotContext): Promise<ApiKey[]> {
  return (await ctx.kikuai.keys.list()).data;
}

const maskedKey = (key: ApiKey) => `${key.prefix}…${key.last_four}`;

/** `all` (in the user's language) for a full-access key, else the permission ids. */
const permissionsOf = (ctx: BotContext, key: ApiKey) =>
  key.permissions.length === 4 ? ctx.t('keys-permissions-all') : key.permissions.length === 0 ? ctx.t('keys-permissions-none') : key.permissions.join(', ');

async function showKeys(ctx: BotContext): Promise<void> {
  const keys = await listKeys(ctx);
  const keyboard = new InlineKeyboard().text(ctx.t('button-regenerate'), ROTATE.ask).row().text(ctx.t('button-menu'), MENU.main);
  if (keys.length === 0) {
    await ctx.reply(ctx.t('keys-empty'), { reply_markup: keyboard });
    return;
  }
  const lines = keys.map((key) =>
    ctx.t('keys-entry', {
      name: escapeHtml(key.name),
      key: maskedKey(key),
      status: ctx.t(`key-status-${key.status}`),
      lastUsed: key.last_used_at ? formatTime(key.last_used_at) : ctx.t('keys-never-used'),
      permissions: permissionsOf(ctx, key),
    }),
  );
  await ctx.reply([ctx.t('keys-title'), ...lines, ctx.t('keys-footer')].join('\n\n'), { parse_mode: 'HTML', reply_markup: keyboard });
}

/** Asks which key to rotate (several), or to confirm the only one, or to create one (none). */
async function askWhichKey(ctx: BotContext): Promise<void> {
  const keys = await listKeys(ctx);
  if (keys.length === 0) {
    await ctx.reply(ctx.t('rotate-confirm-create'), { reply_markup: confirmKeyboard(ctx, ctx.t('button-create-key'), ROTATE.create, ROTATE.cancel) });
    return;
  }
  if (keys.length === 1) return askToConfirm(ctx, keys[0]!);
  const keyboard = new InlineKeyboard();
  for (const key of keys) keyboard.text(`${key.name} · ${maskedKey(key)}`, ROTATE.ask + key.id).row();
  await ctx.reply(ctx.t('rotate-choose'), { reply_markup: keyboard.text(ctx.t('button-cancel'), ROTATE.cancel) });
}

async function askToConfirm(ctx: BotContext, key: ApiKey): Promise<void> {
  const grace = ctx.config.rotateGraceSeconds;
  const when = grace > 0 ? ctx.t('rotate-old-key-grace', { minutes: Math.ceil(grace / 60) }) : ctx.t('rotate-old-key-now');
  await ctx.reply(ctx.t('rotate-confirm', { key: maskedKey(key), name: escapeHtml(key.name), when }), {
    parse_mode: 'HTML',
    reply_markup: confirmKeyboard(ctx, ctx.t('button-confirm-rotate'), ROTATE.yes + key.id, ROTATE.cancel),
  });
}

async function sendNewSecret(ctx: BotContext, secret: string): Promise<void> {
  await ctx.reply([ctx.t('rotate-done', { key: secret }), await quickstartHtml(ctx, secret)].join('\n\n'), {
    parse_mode: 'HTML',
    link_preview_options: { is_disabled: true },
  });
}

keysFeature.command('api_key', privateOnly, showKeys);
keysFeature.callbackQuery(MENU.keys, privateOnly, async (ctx) => {
  await ctx.answerCallbackQuery();
  await showKeys(ctx);
});

keysFeature.command('regenerate_key', privateOnly, askWhichKey);
keysFeature.callbackQuery(ROTATE.ask, privateOnly, async (ctx) => {
  await ctx.answerCallbackQuery();
  await askWhichKey(ctx);
});
keysFeature.callbackQuery(new RegExp(`^${ROTATE.ask}(key_[A-Za-z0-9]+)$`), privateOnly, async (ctx) => {
  await ctx.answerCallbackQuery();
  const key = (await listKeys(ctx)).find((candidate) => candidate.id === ctx.match[1]);
  if (!key) return void (await ctx.editMessageText(ctx.t('rotate-key-gone')));
  await ctx.editMessageReplyMarkup();
  await askToConfirm(ctx, key);
});

keysFeature.callbackQuery(new RegExp(`^${ROTATE.yes}(key_[A-Za-z0-9]+)$`), privateOnly, async (ctx) => {
  await ctx.answerCallbackQuery();
  // Take the buttons away first: a second tap must not rotate twice.
  await ctx.editMessageText(ctx.t('rotate-in-progress'));
  const rotated = await ctx.kikuai.keys.rotate(ctx.match[1]!, { grace_period_seconds: ctx.config.rotateGraceSeconds }).catch((error: unknown) => {
    if (isGone(error)) return null;
    throw error;
  });
  if (!rotated) return void (await ctx.editMessageText(ctx.t('rotate-key-gone')));
  await ctx.editMessageText(ctx.t('rotate-confirmed'));
  await sendNewSecret(ctx, rotated.secret);
});

keysFeature.callbackQuery(ROTATE.create, privateOnly, async (ctx) => {
  await ctx.answerCallbackQuery();
  await ctx.editMessageText(ctx.t('rotate-in-progress'));
  const created = await ctx.kikuai.keys.create({ name: 'default' });
  await ctx.editMessageText(ctx.t('rotate-confirmed'));
  await sendNewSecret(ctx, created.secret);
});

keysFeature.callbackQuery(ROTATE.cancel, privateOnly, async (ctx) => {
  await ctx.answerCallbackQuery();
  await ctx.editMessageText(ctx.t('rotate-cancelled'));
});

/** `/new_key <name> [full|calls|read]`: without the permissions, buttons ask for them. */
keysFeature.command('new_key', privateOnly, async (ctx) => {
  const words = ctx.match.trim().split(/\s+/).filter(Boolean);
  const preset = words.length > 1 && isPreset(words[words.length - 1]!) ? (words.pop() as KeyPreset) : undefined;
  const name = words.join(' ');
  if (!name) return void (await ctx.reply(ctx.t('new-key-usage'), { parse_mode: 'HTML' }));
  if (name.length > 64) return void (await ctx.reply(ctx.t('new-key-name-too-long')));
  if (preset) return createKey(ctx, name, preset);
  const keyboard = new InlineKeyboard();
  for (const choice of Object.keys(KEY_PRESETS) as KeyPreset[]) {
    const data = `${NEW_KEY}${choice}:${name}`;
    if (Buffer.byteLength(data) > CALLBACK_DATA_BYTES) return void (await ctx.reply(ctx.t('new-key-usage'), { parse_mode: 'HTML' }));
    keyboard.text(ctx.t(`new-key-preset-${choice}`), data).row();
  }
  await ctx.reply(ctx.t('new-key-choose', { name: escapeHtml(name) }), {
    parse_mode: 'HTML',
    reply_markup: keyboard.text(ctx.t('button-cancel'), ROTATE.cancel),
  });
});

keysFeature.callbackQuery(new RegExp(`^${NEW_KEY}(full|calls|read):(.+)$`, 's'), privateOnly, async (ctx) => {
  await ctx.answerCallbackQuery();
  // Take the buttons away first: a second tap must not make a second key.
  await ctx.editMessageText(ctx.t('rotate-in-progress'));
  await createKey(ctx, ctx.match[2]!, ctx.match[1] as KeyPreset);
});

async function createKey(ctx: BotContext, name: string, preset: KeyPreset): Promise<void> {
  const permissions = KEY_PRESETS[preset];
  const created = await ctx.kikuai.keys.create({ name, ...(permissions ? { permissions: [...permissions] } : {}) });
  await ctx.reply(
    [
      ctx.t('new-key-done', { name: escapeHtml(created.name), key: created.secret, permissions: permissionsOf(ctx, created) }),
      await quickstartHtml(ctx, created.secret),
    ].join('\n\n'),
    { parse_mode: 'HTML', link_preview_options: { is_disabled: true } },
  );
}
