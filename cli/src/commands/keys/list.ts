import type { ApiKeyList } from '@kikuai/sdk';
import { BaseCommand } from '../../base-command.js';
import { renderKeyTable } from '../../services/key-view.js';

export default class KeysList extends BaseCommand<typeof KeysList> {
  static override summary = 'List the API keys of the account (secrets are never shown).';
  static override examples = ['<%= config.bin %> keys list', '<%= config.bin %> keys list --json'];

  async run(): Promise<ApiKeyList> {
    const keys = await (await this.client()).keys.list();
    this.log(renderKeyTable(keys.data, this.stdoutPaint));
    return keys;
  }
}
