import { Errors, toConfiguredId, type Hook } from '@oclif/core';
import { errorLine } from '../services/error-report.js';
import { ExitCode } from '../services/exit-codes.js';
import { paintFor } from '../services/terminal.js';
import { didYouMean } from '../services/usage-error.js';

/**
 * A mistyped command ends in one line on stderr and exit 2, with the command it most
 * likely meant. Unlike @oclif/plugin-not-found it never asks to run the guess: a guess
 * must not move money.
 */
const hook: Hook.CommandNotFound = async function ({ id, config }) {
  const visible = config.commands.filter((command) => !command.hidden).map((command) => command.id);
  const typed = toConfiguredId(id, config);
  const bin = config.bin;
  // `kikuai balance extra`: the command exists, the word after it does not belong.
  const parent = visible.filter((command) => id.startsWith(`${command}:`)).sort((a, b) => b.length - a.length)[0];
  let message: string;
  if (parent) {
    const extra = toConfiguredId(id.slice(parent.length + 1), config);
    message = `Unexpected argument "${extra}" for \`${bin} ${toConfiguredId(parent, config)}\`. See \`${bin} ${toConfiguredId(parent, config)} --help\`.`;
  } else {
    const guess = didYouMean(id, visible);
    const suggestion = guess ? ` Did you mean \`${bin} ${toConfiguredId(guess, config)}\`?` : '';
    message = `"${typed}" is not a ${bin} command.${suggestion} See \`${bin} --help\` for the list.`;
  }
  process.stderr.write(`${errorLine(message, paintFor(process.stderr))}\n`);
  throw new Errors.ExitError(ExitCode.usage);
};

export default hook;
