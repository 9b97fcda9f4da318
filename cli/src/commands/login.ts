import type { Me } from '@kikuai/sdk';
import { BaseCommand } from '../base-command.js';
import { credentialsPath, saveProfile } from '../services/credentials-store.js';
import { obtainApiKey } from '../services/login.js';

export default class Login extends BaseCommand<typeof Login> {
  static override summary = 'Save an API key for this server, after checking it works.';
  static override description = [
    'The key comes from --api-key, from stdin when it is piped in, or is typed at a prompt that does not echo it.',
    'It is checked against the server (GET /api/v1/auth/me) before anything is saved, then kept in credentials.json',
    'in the config directory (mode 0600), under the profile named by --profile (default: "default").',
    'Get a key from /api_key in the Telegram bot.',
  ].join('\n');

  static override examples = [
    { description: 'Paste the key at a prompt (no echo)', command: '<%= config.bin %> login' },
    { description: 'From a secret manager, without it reaching your shell history', command: 'pass kikuai/key | <%= config.bin %> login' },
    {
      description: 'A second account on another server',
      command: '<%= config.bin %> login --profile staging --base-url https://staging.kikuai.dev --api-key "$STAGING_KEY"',
    },
  ];

  async run(): Promise<Me> {
    // The key given here is meant to replace the saved one: no shadowing warning.
    const connection = await this.connection({ quiet: true });
    const apiKey = await obtainApiKey(this.flags['api-key']);
    const client = await this.clientFor(connection.baseUrl, apiKey);
    const me = await client.auth.me();
    await saveProfile(
      this.configDir,
      connection.profileName,
      { api_key: apiKey, base_url: connection.baseUrl, account_id: me.account.id, key_id: me.auth.key_id ?? undefined, saved_at: new Date().toISOString() },
      { makeDefault: true },
    );
    const who = me.account.username ? `@${me.account.username}` : (me.account.first_name ?? me.account.id);
    this.log(`${this.stdoutPaint.green('✓')} Logged in to ${connection.baseUrl} as ${this.stdoutPaint.bold(who)} (${me.account.id}).`);
    this.log(`Saved to profile "${connection.profileName}" in ${credentialsPath(this.configDir)}.`);
    return me;
  }
}
