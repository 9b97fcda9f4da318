import { didYouMean } from './usage-error.js';

export interface CommandNames {
  bin: string;
  /** Visible command ids (`keys:list`). */
  commands: readonly string[];
  /** Topic ids (`keys`, `admin:accounts`). */
  topics: readonly string[];
  /** An id as the user types it: `keys list`. */
  display: (id: string) => string;
}

/**
 * The one line for words that name no command: the command they most likely meant, or
 * the command they start with and the argument it does not take. Tries the longest run of
 * words first, so `profiles swtch x` means `profiles switch`, and `balance extra` means
 * `balance` with one word too many.
 */
export function notACommand(id: string, names: CommandNames): string {
  const { bin, display } = names;
  const words = id.split(':');
  const known = [...names.commands, ...names.topics];
  for (let count = words.length; count >= 1; count--) {
    const typed = words.slice(0, count).join(':');
    const rest = words.slice(count).join(':');
    if (names.commands.includes(typed) && rest) {
      return `Unexpected argument "${display(rest)}" for \`${bin} ${display(typed)}\`. See \`${bin} ${display(typed)} --help\`.`;
    }
    if (names.topics.includes(typed)) return `"${display(id)}" is not a ${bin} command. See \`${bin} ${display(typed)} --help\` for the list.`;
    const guess = didYouMean(typed, known);
    // Quote as many words as the guess has: `profiles swtch x` meant `profiles switch` (and an argument).
    const shown = words.slice(0, Math.min(count, guess?.split(':').length ?? count)).join(':');
    if (guess && guess !== typed)
      return `"${display(shown)}" is not a ${bin} command. Did you mean \`${bin} ${display(guess)}\`? See \`${bin} --help\` for the list.`;
  }
  return `"${display(id)}" is not a ${bin} command. See \`${bin} --help\` for the list.`;
}
