import { Args, Command } from '@oclif/core';
import path from 'node:path';
import { failCommand } from '../base-command.js';
import { UsageError } from '../services/exit-codes.js';
import { completionScript, completionSpec, SHELLS, type Shell } from '../services/completion.js';

export default class Completion extends Command {
  static override summary = 'Print the shell completion script for bash, zsh or fish.';
  static override description = [
    'Completes commands, topics, flags and the values of flags that have a fixed list. The script is printed whole, never cached:',
    'load it again after upgrading kikuai. Without SHELL, the shell is taken from $SHELL.',
  ].join('\n');

  static override args = {
    shell: Args.string({ description: 'The shell: bash, zsh or fish.', options: [...SHELLS] }),
  };

  static override examples = [
    { description: 'bash, in this shell', command: 'source <(<%= config.bin %> completion bash)' },
    {
      description: 'zsh, for every new shell (a folder on $fpath, before compinit)',
      command: '<%= config.bin %> completion zsh > "${fpath[1]}/_<%= config.bin %>"',
    },
    { description: 'fish, for every new shell', command: '<%= config.bin %> completion fish > ~/.config/fish/completions/<%= config.bin %>.fish' },
  ];

  async run(): Promise<void> {
    const { args } = await this.parse(Completion);
    const shell = (args.shell ?? path.basename(process.env.SHELL ?? '')) as Shell;
    if (!SHELLS.includes(shell)) {
      throw new UsageError(`Name the shell: \`${this.config.bin} completion bash\`, \`zsh\` or \`fish\` (SHELL is "${process.env.SHELL ?? ''}").`);
    }
    const spec = completionSpec(this.config.bin, this.config.commands, this.config.topics);
    process.stdout.write(completionScript(shell, spec));
  }

  protected override async catch(error: Error): Promise<never> {
    failCommand(this, error);
  }
}
