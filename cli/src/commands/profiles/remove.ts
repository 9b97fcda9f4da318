import { BaseCommand } from '../../base-command.js';
import { profileNameArg } from '../../flags.js';
import { readCredentials, removeProfile } from '../../services/credentials-store.js';
import { listProfiles, unknownProfile, type ProfileList } from '../../services/profiles.js';

export default class ProfilesRemove extends BaseCommand<typeof ProfilesRemove> {
  static override summary = 'Forget a saved profile and its key (the key itself stays valid).';
  static override description =
    'Revoke the key with `kikuai keys revoke` if it leaked. When the default profile is removed, another saved one becomes the default.';
  static override args = { name: profileNameArg };
  static override examples = ['<%= config.bin %> profiles remove staging'];

  async run(): Promise<ProfileList> {
    const { name } = this.args;
    const before = await this.readCredentials();
    if (!(await removeProfile(this.configDir, name))) throw unknownProfile(name, before);
    const after = await readCredentials(this.configDir);
    const remaining = Object.keys(after.profiles).length;
    const next = remaining === 0 ? ' No profiles are left.' : before.default_profile === name ? ` The default is now "${after.default_profile}".` : '';
    this.log(`${this.stdoutPaint.green('✓')} Removed profile "${name}".${next}`);
    return listProfiles(after, { profileName: after.default_profile });
  }
}
