import { Errors, Help } from '@oclif/core';
import { failAsUnknownCommand } from './hooks/command-not-found.js';
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
  /** `kikuai help blanace` and `kikuai blanace --help` say what `kikuai blanace` says. */
  override async showHelp(argv: string[]): Promise<void> {
    try {
      await super.showHelp(argv);
    } catch (error) {
      const unknown = error instanceof Errors.CLIError ? /^Command (\S+) not found\.$/.exec(error.message) : null;
      if (unknown) failAsUnknownCommand(unknown[1]!, this.config);
      throw error;
    }
  }

  protected override async showRootHelp(): Promise<void> {
    await super.showRootHelp();
    this.log('');
    this.log(this.section('ENVIRONMENT', ENVIRONMENT));
    this.log('');
    this.log(this.section('EXIT CODES', EXIT_CODE_MEANINGS));
  }
}
