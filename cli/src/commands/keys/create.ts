import type { ApiKeyWithSecret, CreateApiKeyRequest } from '@kikuai/sdk';
import { Flags } from '@oclif/core';
import { BaseCommand } from '../../base-command.js';
import { expiresFlag, idempotencyKeyFlag, idempotencyOptions, permissionsFlag, productsFlag, splitList, usdFlag } from '../../flags.js';
import { renderKeyDetails, renderSecret } from '../../services/key-view.js';

export default class KeysCreate extends BaseCommand<typeof KeysCreate> {
  static override summary = 'Create an API key; its secret is shown this once.';
  static override description =
    "A key made with an API key stays within that key's own bounds: what you leave out (products, permissions, spend limit, expiry) is copied from it, and anything wider is refused.";
  static override examples = [
    '<%= config.bin %> keys create --name ci',
    {
      description: 'A key for CI that may only call ReliAPI and spend $5 a month',
      command: '<%= config.bin %> keys create --name ci --products reliapi --spend-limit 5 --period monthly',
    },
    {
      description: 'A key that may only call products, not manage keys or start top-ups',
      command: '<%= config.bin %> keys create --name app --permissions products:call',
    },
    { description: 'Just the secret, for a secret store', command: '<%= config.bin %> keys create --name deploy --json | jq -r .secret' },
  ];

  static override flags = {
    name: Flags.string({ summary: 'A name to recognise the key by.', default: 'default' }),
    products: productsFlag,
    permissions: permissionsFlag(),
    'spend-limit': usdFlag({ summary: 'Most the key may spend per period, in USD (e.g. 5 or 2.50).' }),
    period: Flags.string({ summary: 'When the spend limit resets (default monthly).', options: ['daily', 'weekly', 'monthly'], dependsOn: ['spend-limit'] }),
    expires: expiresFlag(),
    'idempotency-key': idempotencyKeyFlag(),
  };

  async run(): Promise<ApiKeyWithSecret> {
    const { name, products, period, expires } = this.flags;
    const body: CreateApiKeyRequest = { name };
    if (products) body.allowed_products = splitList(products);
    if (this.flags.permissions) body.permissions = this.flags.permissions;
    if (this.flags['spend-limit'] !== undefined) {
      body.spend_limit_micros = this.flags['spend-limit'];
      body.spend_limit_period = (period ?? 'monthly') as CreateApiKeyRequest['spend_limit_period'];
    }
    if (expires) body.expires_at = expires;
    const key = await (await this.client()).keys.create(body, idempotencyOptions(this.flags));
    this.log(renderKeyDetails(key, this.stdoutPaint));
    this.log(renderSecret(key, this.stdoutPaint));
    if (!this.jsonEnabled()) this.stderr(this.stderrPaint.yellow('Store the secret now: it cannot be shown again.'));
    return key;
  }
}
