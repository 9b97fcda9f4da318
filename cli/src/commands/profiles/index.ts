import { BaseCommand } from '../../base-command.js';
import { listProfiles, renderProfiles, type ProfileList } from '../../services/profiles.js';

export default class Profiles extends BaseCommand<typeof Profiles> {
  static override summary = 'List the saved profiles: which is the default, which this run uses (*), and where each points.';
  static override description = 'Secrets are never shown: a profile shows its key id (or the first and last characters of the key).';
  static override aliases = ['profiles:list'];
  static override examples = ['<%= config.bin %> profiles', '<%= config.bin %> profiles --json | jq -r .active_profile'];

  async run(): Promise<ProfileList> {
    const connection = await this.connection({ quiet: true });
    const list = listProfiles(await this.readCredentials(), connection);
    this.log(renderProfiles(list, this.stdoutPaint));
    const overriddenBy = connection.profileSource === 'flag' ? '--profile' : connection.profileSource === 'environment' ? 'KIKUAI_PROFILE' : undefined;
    if (overriddenBy && list.default_profile && list.default_profile !== list.active_profile) {
      this.stderr(`${overriddenBy} picks "${list.active_profile}" over the default "${list.default_profile}".`);
    }
    return list;
  }
}
