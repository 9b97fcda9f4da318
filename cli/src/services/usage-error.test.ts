import { describe, expect, it } from 'vitest';
import { describeUsageError, didYouMean } from './usage-error.js';

const context = { command: 'kikuai keys update', flagNames: ['json', 'enable', 'disable', 'spend-limit'] };
const parseError = (message: string) => Object.assign(new Error(message), { parse: {}, oclif: { exit: 2 } });

describe('didYouMean', () => {
  it('finds the command or flag a typo meant, and nothing for a word that is far from all', () => {
    expect(didYouMean('blanace', ['balance', 'login', 'keys:list'])).toBe('balance');
    expect(didYouMean('keys:lst', ['balance', 'keys:list', 'keys:show'])).toBe('keys:list');
    expect(didYouMean('jsn', ['json', 'enable'])).toBe('json');
    expect(didYouMean('xyzzy', ['balance', 'login'])).toBeUndefined();
  });
});

describe('describeUsageError', () => {
  it("says each of oclif's parse errors in one line, pointing to the command's help", () => {
    expect(
      describeUsageError(parseError('The following error occurred:\n  \u001B[2mMissing required flag amount\u001B[22m\nSee more help with --help'), context),
    ).toBe('Missing required flag --amount. See `kikuai keys update --help`.');
    expect(describeUsageError(parseError('Nonexistent flag: --enabel\nSee more help with --help'), context)).toBe(
      'Unknown flag --enabel. Did you mean --enable? See `kikuai keys update --help`.',
    );
    expect(describeUsageError(parseError('Missing 1 required arg:\nkey-id  The key id (key_…).\nSee more help with --help'), context)).toBe(
      'Missing KEY-ID. See `kikuai keys update --help`.',
    );
    const exclusive =
      'The following errors occurred:\n --disable=true cannot also be provided when using --enable\n--enable=true cannot also be provided when using --disable\nSee more help with --help';
    expect(describeUsageError(parseError(exclusive), context)).toBe('--disable and --enable cannot be used together. See `kikuai keys update --help`.');
  });

  it('names the flag whose own parser refused the value, and leaves other errors alone', () => {
    const flagParser = Object.assign(new Error('Parsing --spend-limit \n\tExpected a USD amount, got "1x".\nSee more help with --help'), {
      oclif: { exit: 2 },
    });
    expect(describeUsageError(flagParser, context)).toBe('Invalid --spend-limit: Expected a USD amount, got "1x". See `kikuai keys update --help`.');
    expect(describeUsageError(new Error('fetch failed'), context)).toBeUndefined();
  });
});
