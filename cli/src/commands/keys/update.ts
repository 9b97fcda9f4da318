import type { ApiKey, UpdateApiKeyRequest } from '@kikuai/sdk';
import { Flags } from '@oclif/core';
import { BaseCommand } from '../../base-command.js';
import { expiresFlag, keyIdArg, permissionsFlag, productsFlag, splitList, usdFlag } from '../../flags.js';
import { UsageError } from '../../services/exit-codes.js';
import { renderKeyDetails } from '../../services/key-view.js';

export default class KeysUpdate extends BaseCommand<typeof KeysUpdate> {
  static override summary = 'Rename, enable or disable an API key, or change its expiry, products, permissions or spend limit.';
  static override description =
    'Only what you pass changes. A disabled key is refused at once on every server until it is enabled again. A key may only narrow itself, and may change other keys (with keys:manage) only within its own bounds.';
  static override args = { 'key-id': keyIdArg };
  static override examples = [
    '<%= config.bin %> keys update key_01JD… --disable',
    '<%= config.bin %> keys update key_01JD… --spend-limit 1 --period daily',
    '<%= config.bin %> keys update key_01JD… --all-products --no-spend-limit --no-expires',
    '<%= config.bin %> keys update key_01JD… --permissions products:call,billing:read',
  ];

  static override flags = {
    name: Flags.string({ summary: 'New name.' }),
    enable: Flags.boolean({ summary: 'Enable the key.', exclusive: ['disable'] }),
    disable: Flags.boolean({ summary: 'Disable the key (refused until enabled again).', exclusive: ['enable'] }),
    expires: expiresFlag({ exclusive: ['no-expires'] }),
    'no-expires': Flags.boolean({ summary: 'Clear the expiry.' }),
    products: productsFlag,
    'all-products': Flags.boolean({ summary: 'Allow every product.', exclusive: ['products'] }),
    permissions: permissionsFlag(),
    'spend-limit': usdFlag({ summary: 'Most the key may spend per period, in USD.', exclusive: ['no-spend-limit'] }),
    'no-spend-limit': Flags.boolean({ summary: 'Remove the spend limit.' }),
    period: Flags.string({ summary: 'When the spend limit resets.', options: ['daily', 'weekly', 'monthly'] }),
  };

  async run(): Promise<ApiKey> {
    const flags = this.flags;
    const body: UpdateApiKeyRequest = {};
    if (flags.name !== undefined) body.name = flags.name;
    if (flags.enable) body.enabled = true;
    if (flags.disable) body.enabled = false;
    if (flags.expires !== undefined) body.expires_at = flags.expires;
    if (flags['no-expires']) body.expires_at = null;
    if (flags.products !== undefined) body.allowed_products = splitList(flags.products);
    if (flags['all-products']) body.allowed_products = null;
    if (flags.permissions !== undefined) body.permissions = flags.permissions;
    if (flags['spend-limit'] !== undefined) body.spend_limit_micros = flags['spend-limit'];
    if (flags['no-spend-limit']) body.spend_limit_micros = null;
    if (flags.period !== undefined) body.spend_limit_period = flags.period as UpdateApiKeyRequest['spend_limit_period'];
    if (Object.keys(body).length === 0)
      throw new UsageError(
        'Nothing to change: pass at least one of --name, --enable, --disable, --expires, --products, --permissions, --spend-limit, --period (see `kikuai keys update --help`).',
      );
    const key = await (await this.client()).keys.update(this.args['key-id'], body);
    this.log(renderKeyDetails(key, this.stdoutPaint));
    return key;
  }
}
