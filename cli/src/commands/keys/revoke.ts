import type { ApiKey } from '@kikuai/sdk';
import { BaseCommand } from '../../base-command.js';
import { keyIdArg, yesFlag } from '../../flags.js';
import { CliError } from '../../services/exit-codes.js';
import { assertCanPrompt, confirm } from '../../services/interaction.js';
import { renderKeyDetails } from '../../services/key-view.js';

export default class KeysRevoke extends BaseCommand<typeof KeysRevoke> {
  static override summary = 'Revoke an API key for good.';
  static override description = 'It is refused at once on every server and cannot be restored. Asks first, unless --yes.';
  static override args = { 'key-id': keyIdArg };
  static override examples = ['<%= config.bin %> keys revoke key_01JD…', '<%= config.bin %> keys revoke key_01JD… --yes --json'];
  static override flags = { yes: yesFlag };

  async run(): Promise<ApiKey> {
    const keyId = this.args['key-id'];
    if (!this.flags.yes) {
      assertCanPrompt('--yes', `Revoking ${keyId}`);
      if (!(await confirm(`Revoke ${keyId}? Anything using it stops working, for good.`))) throw new CliError('Cancelled: the key was not revoked.');
    }
    const key = await (await this.client()).keys.revoke(keyId);
    this.log(renderKeyDetails(key, this.stdoutPaint));
    this.log(`${this.stdoutPaint.green('✓')} Revoked ${key.id}.`);
    return key;
  }
}
