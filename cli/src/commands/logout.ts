import { BaseCommand } from '../base-command.js';
import { credentialsPath, removeProfile } from '../services/credentials-store.js';

/** `--json` output of `kikuai logout` (the CLI's own: no API call is made). */
export interface LogoutResult {
  profile: string;
  removed: boolean;
}

export default class Logout extends BaseCommand<typeof Logout> {
  static override summary = 'Forget the saved API key of a profile.';
  static override description = 'Removes the profile from credentials.json. The key itself stays valid: revoke it with `kikuai keys revoke` if it leaked.';
  static override examples = ['<%= config.bin %> logout', '<%= config.bin %> logout --profile staging'];

  async run(): Promise<LogoutResult> {
    const { profileName } = await this.connection();
    const removed = await removeProfile(this.configDir, profileName);
    this.log(removed ? `Logged out: profile "${profileName}" removed from ${credentialsPath(this.configDir)}.` : `Profile "${profileName}" was not logged in.`);
    return { profile: profileName, removed };
  }
}
