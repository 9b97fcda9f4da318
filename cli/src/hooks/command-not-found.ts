import { Errors, toConfiguredId, type Hook, type Interfaces } from '@oclif/core';
import { notACommand } from '../services/command-suggestion.js';
import { errorLine } from '../services/error-report.js';
import { ExitCode } from '../services/exit-codes.js';
import { paintFor } from '../services/terminal.js';

/**
 * A mistyped command ends in one line on stderr and exit 2, with the command it most
 * likely meant. Unlike @oclif/plugin-not-found it never asks to run the guess: a guess
 * must not move money.
 */
const hook: Hook.CommandNotFound = async function ({ id, config }) {
  failAsUnknownCommand(id, config);
};

export default hook;

/** Prints the one line for words that name no command and ends with exit 2 (also for `kikuai help <typo>`). */
export function failAsUnknownCommand(id: string, config: Interfaces.Config): never {
  const message = notACommand(id, {
    bin: config.bin,
    commands: config.commands.filter((command) => !command.hidden).map((command) => command.id),
    topics: config.topics.filter((topic) => !topic.hidden).map((topic) => topic.name),
    display: (commandId) => toConfiguredId(commandId, config),
  });
  process.stderr.write(`${errorLine(message, paintFor(process.stderr))}\n`);
  throw new Errors.ExitError(ExitCode.usage);
}
