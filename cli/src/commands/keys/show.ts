import type { ApiKey } from '@kikuai/sdk';
import { BaseCommand } from '../../base-command.js';
import { keyIdArg } from '../../flags.js';
import { renderKeyDetails } from '../../services/key-view.js';

export default class KeysShow extends BaseCommand<typeof KeysShow> {
  static override summary = 'Show one API key: status, expiry, allowed products, spend limit.';
  static override args = { 'key-id': keyIdArg };
  static override examples = ['<%= config.bin %> keys show key_01JD6Z4T0Q8X9W2V3B4N5M6K7J'];

  async run(): Promise<ApiKey> {
    const key = await (await this.client()).keys.get(this.args['key-id']);
    this.log(renderKeyDetails(key, this.stdoutPaint));
    return key;
  }
}
