import type { AdminCreatedAccount } from '@kikuai/sdk';
import { Flags } from '@oclif/core';
import { BaseCommand } from '../../../base-command.js';
import { adminTokenFlag, idempotencyKeyFlag, idempotencyOptions } from '../../../flags.js';
import { credentialsPath, saveProfile } from '../../../services/credentials-store.js';
import { renderKeyDetails, renderSecret } from '../../../services/key-view.js';

export default class AdminAccountsCreate extends BaseCommand<typeof AdminAccountsCreate> {
  static override summary = 'Create an account without Telegram, with a first key holding every permission (operator).';
  static override description = [
    "Authenticated by the server's admin token (--admin-token or KIKUAI_ADMIN_TOKEN). The key's secret is shown this once;",
    'with --login it is saved instead, as `kikuai login` would, so the next commands use it.',
    "The account gets a negative telegram_id: it can never be a Telegram user's.",
  ].join('\n');

  static override examples = [
    { description: 'The local path: an account whose key the next commands use', command: '<%= config.bin %> admin accounts create --name dev --login' },
    { description: 'Just the secret, for a secret store', command: '<%= config.bin %> admin accounts create --name ci --json | jq -r .api_key.secret' },
  ];

  static override flags = {
    name: Flags.string({ summary: 'A display name for the account.', required: true }),
    language: Flags.string({ summary: 'The language of its messages, e.g. en.', helpValue: '<code>' }),
    login: Flags.boolean({ summary: 'Save the new key to the profile (as `kikuai login` does) instead of printing it.' }),
    'admin-token': adminTokenFlag,
    'idempotency-key': idempotencyKeyFlag(),
  };

  async run(): Promise<AdminCreatedAccount> {
    const operator = await this.adminClient(this.flags['admin-token']);
    const created = await operator.admin.createAccount(
      { name: this.flags.name, ...(this.flags.language ? { language_code: this.flags.language } : {}) },
      idempotencyOptions(this.flags),
    );
    const { account, api_key: key } = created;
    const paint = this.stdoutPaint;
    this.log(`${paint.green('✓')} Created account ${paint.bold(account.id)} (${account.first_name}).`);
    this.log(renderKeyDetails(key, paint));
    if (this.flags.login) {
      const connection = await this.connection({ quiet: true });
      await saveProfile(
        this.configDir,
        connection.profileName,
        { api_key: key.secret, base_url: connection.baseUrl, account_id: account.id, key_id: key.id, saved_at: new Date().toISOString() },
        { makeDefault: true },
      );
      this.log(`Its key is saved to profile "${connection.profileName}" in ${credentialsPath(this.configDir)}.`);
    } else {
      this.log(renderSecret(key, paint));
      if (!this.jsonEnabled()) this.stderr(this.stderrPaint.yellow('Store the secret now: it cannot be shown again.'));
    }
    this.log(`Next: ${paint.bold(`kikuai admin credit ${account.id} 1`)} to give it $1.00.`);
    return created;
  }
}
