import { Args, Command, loadHelpClass, type Interfaces } from '@oclif/core';

export default class HelpCommand extends Command {
  static override summary = 'Show help for kikuai, a topic or a command.';
  static override strict = false;
  static override args = { command: Args.string({ description: 'A topic or command, e.g. `keys` or `keys create`.' }) };
  static override examples = ['<%= config.bin %> help keys', '<%= config.bin %> help keys rotate'];

  async run(): Promise<void> {
    const { argv } = await this.parse(HelpCommand);
    const Help = await loadHelpClass(this.config);
    await new Help(this.config, (this.config.pjson.oclif.helpOptions ?? this.config.pjson.helpOptions) as Partial<Interfaces.HelpOptions> | undefined).showHelp(
      argv as string[],
    );
  }
}
