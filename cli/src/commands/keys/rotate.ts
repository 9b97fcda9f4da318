import type { ApiKeyWithSecret } from '@kikuai/sdk';
import { Flags } from '@oclif/core';
import { BaseCommand } from '../../base-command.js';
import { idempotencyKeyFlag, idempotencyOptions, keyIdArg, yesFlag } from '../../flags.js';
import { CliError } from '../../services/exit-codes.js';
import { assertCanPrompt, confirm } from '../../services/interaction.js';
import { renderKeyDetails, renderSecret } from '../../services/key-view.js';
import { updateSavedKeyAfterRotation } from '../../services/saved-key.js';

export default class KeysRotate extends BaseCommand<typeof KeysRotate> {
  static override summary = 'Give an API key a new secret under the same id.';
  static override description = [
    'The old secret is refused at once, or after --grace seconds (at most 7 days) so that running services can switch over.',
    'When the rotated key is the one saved in the current profile, the profile is updated with the new secret.',
  ].join('\n');

  static override args = { 'key-id': keyIdArg };
  static override examples = ['<%= config.bin %> keys rotate key_01JD…', '<%= config.bin %> keys rotate key_01JD… --grace 3600 --yes'];
  static override flags = {
    grace: Flags.integer({ summary: 'Seconds the old secret stays valid.', min: 0, max: 604_800, default: 0 }),
    yes: yesFlag,
    'idempotency-key': idempotencyKeyFlag(),
  };

  async run(): Promise<ApiKeyWithSecret> {
    const keyId = this.args['key-id'];
    if (!this.flags.yes) {
      assertCanPrompt('--yes', `Rotating ${keyId}`);
      const grace = this.flags.grace ? ` It stays valid for ${this.flags.grace} s.` : ' It is refused at once.';
      if (!(await confirm(`Rotate ${keyId}? Its current secret stops working.${grace}`))) throw new CliError('Cancelled: the key was not rotated.');
    }
    const client = await this.client();
    const key = await client.keys.rotate(keyId, { grace_period_seconds: this.flags.grace }, idempotencyOptions(this.flags));
    this.log(renderKeyDetails(key, this.stdoutPaint));
    this.log(renderSecret(key, this.stdoutPaint));
    const connection = await this.connection();
    if (await updateSavedKeyAfterRotation(this.configDir, connection, key)) {
      this.stderr(`Profile "${connection.profileName}" now holds the new secret.`);
    }
    if (!this.jsonEnabled()) this.stderr(this.stderrPaint.yellow('Store the new secret now: it cannot be shown again.'));
    return key;
  }
}
