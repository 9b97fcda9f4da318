import { BaseCommand } from '../../base-command.js';
import { profileNameArg } from '../../flags.js';
import { setDefaultProfile } from '../../services/credentials-store.js';
import { listProfiles, unknownProfile, type ProfileList } from '../../services/profiles.js';

export default class ProfilesSwitch extends BaseCommand<typeof ProfilesSwitch> {
  static override summary = 'Make a saved profile the default, used when neither --profile nor KIKUAI_PROFILE names one.';
  static override args = { name: profileNameArg };
  static override examples = ['<%= config.bin %> profiles switch staging'];

  async run(): Promise<ProfileList> {
    const { name } = this.args;
    const credentials = await this.readCredentials();
    if (!(await setDefaultProfile(this.configDir, name))) throw unknownProfile(name, credentials);
    const saved = credentials.profiles[name]!;
    this.log(`${this.stdoutPaint.green('✓')} Default profile is now "${name}"${saved.base_url ? ` (${saved.base_url})` : ''}.`);
    const fromEnvironment = process.env.KIKUAI_PROFILE?.trim();
    if (fromEnvironment && fromEnvironment !== name) this.stderr(`KIKUAI_PROFILE=${fromEnvironment} still picks "${fromEnvironment}" in this shell.`);
    return listProfiles({ ...credentials, default_profile: name }, { profileName: fromEnvironment || name });
  }
}
