import { closest, distance } from 'fastest-levenshtein';
import { stripAnsi } from './terminal.js';

/**
 * The candidate a mistyped `input` most likely meant, or nothing when none is close:
 * within two edits (a swapped pair of letters is two), a third of its length for long
 * names, or a name the input starts.
 */
export function didYouMean(input: string, candidates: readonly string[]): string | undefined {
  if (candidates.length === 0 || input === '') return undefined;
  // The one name the input starts (`bal` → `balance`) beats a closer-looking other one (`call`).
  const started = candidates.filter((candidate) => candidate.startsWith(input));
  if (started.length === 1) return started[0];
  const best = closest(input, [...candidates]);
  const allowed = Math.max(2, Math.floor(input.length / 4));
  return distance(input, best) <= allowed ? best : undefined;
}

/** What the failed command line was, for the sentence that ends a usage error. */
export interface UsageContext {
  /** `kikuai keys create`, as the user types it. */
  command: string;
  /** The command's flag names without dashes, for "did you mean --…". */
  flagNames: readonly string[];
}

/**
 * oclif's own parse errors (a missing or unknown flag, an option out of its list, a
 * flag's parser that threw) as one line in the CLI's words, ending with where to read
 * more. Returns undefined for anything that is not a parse error.
 */
export function describeUsageError(error: Error & { parse?: unknown; oclif?: { exit?: number } }, context: UsageContext): string | undefined {
  const text = stripAnsi(error.message)
    .replace(/\s*See more help with --help\s*$/, '')
    .trim();
  const flagParser = /^Parsing (--[\w-]+)\s*\n\s*([\s\S]*)$/.exec(text);
  if (flagParser) return withPointer(`Invalid ${flagParser[1]}: ${oneLine(flagParser[2]!)}`, context);
  if (!('parse' in error) || error.oclif?.exit === undefined) return undefined;

  const unknownFlags = /^Nonexistent flags?: (.+)$/.exec(text);
  if (unknownFlags) {
    const flags = unknownFlags[1]!.split(/,\s*/);
    const guess = flags.length === 1 ? didYouMean(flags[0]!.replace(/^-+/, ''), context.flagNames) : undefined;
    return withPointer(`Unknown flag${flags.length === 1 ? '' : 's'} ${flags.join(', ')}.${guess ? ` Did you mean --${guess}?` : ''}`, context);
  }
  const missingArgs = /^Missing \d+ required args?:\n([\s\S]+?)(?:\n\n|$)/.exec(text);
  if (missingArgs) {
    const names = missingArgs[1]!.split('\n').map((line) => line.trim().split(/\s+/)[0]!.toUpperCase());
    return withPointer(`Missing ${names.join(' and ')}.`, context);
  }
  const reasons = /^The following errors? occurred:\n([\s\S]+)$/.exec(text);
  if (reasons) {
    const lines = reasons[1]!
      .split('\n')
      .map((line) =>
        line
          .trim()
          .replace(/^Missing required flag ([\w-]+)$/, 'Missing required flag --$1')
          .replace(EXCLUSIVE, exclusivePair),
      )
      .filter(Boolean)
      .map(endSentence);
    // oclif states an exclusive pair twice, once from each side: say it once.
    return withPointer([...new Set(lines)].join(' '), context);
  }
  return withPointer(endSentence(oneLine(text)), context);
}

const EXCLUSIVE = /^--([\w-]+)=\S* cannot also be provided when using --([\w-]+)$/;

function exclusivePair(_line: string, first: string, second: string): string {
  const [a, b] = [first, second].sort();
  return `--${a} and --${b} cannot be used together`;
}

function withPointer(message: string, context: UsageContext): string {
  return `${endSentence(message)} See \`${context.command} --help\`.`;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

export function endSentence(text: string): string {
  const trimmed = text.trim();
  return /[.!?)]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}
