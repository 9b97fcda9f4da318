import { Help } from '@oclif/core';
import { EXIT_CODE_MEANINGS } from './services/exit-codes.js';

const ENVIRONMENT: Array<[string, string]> = [
  ['KIKUAI_API_KEY', 'API key (beaten by --api-key; beats the saved profile)'],
  ['KIKUAI_BASE_URL', 'API server (beaten by --base-url; default http://localhost:8000)'],
  ['KIKUAI_PROFILE', 'saved profile to use (beaten by --profile)'],
  ['KIKUAI_CONFIG_DIR', 'where credentials.json is kept (default: the per-user config directory)'],
  ['NO_COLOR', 'no colours (they are off anyway when output is not a terminal)'],
  ['CI', 'never prompt: a command that would ask fails and names the flag to pass'],
  ['DEBUG', 'print stack traces with errors'],
];

/** oclif's help, with the environment variables and exit codes added to `kikuai --help`. */
export default class KikuaiHelp extends Help {
  protected override async showRootHelp(): Promise<void> {
    await super.showRootHelp();
    this.log('');
    this.log(this.section('ENVIRONMENT', ENVIRONMENT));
    this.log('');
    this.log(this.section('EXIT CODES', EXIT_CODE_MEANINGS));
  }
}
