import { describe, expect, it } from 'vitest';
import { notACommand } from './command-suggestion.js';

const names = {
  bin: 'kikuai',
  commands: ['balance', 'call', 'login', 'keys:list', 'keys:show', 'profiles', 'profiles:switch', 'profiles:remove'],
  topics: ['keys', 'profiles'],
  display: (id: string) => id.replace(/:/g, ' '),
};

describe('notACommand', () => {
  it('names the command a typo meant, quoting only the mistyped words', () => {
    expect(notACommand('blanace', names)).toBe('"blanace" is not a kikuai command. Did you mean `kikuai balance`? See `kikuai --help` for the list.');
    expect(notACommand('bal', names)).toContain('Did you mean `kikuai balance`?');
    expect(notACommand('profiles:swtch:prod', names)).toBe(
      '"profiles swtch" is not a kikuai command. Did you mean `kikuai profiles switch`? See `kikuai --help` for the list.',
    );
  });

  it('says which word a command does not take, and points to a topic rather than guess far', () => {
    expect(notACommand('balance:extra', names)).toBe('Unexpected argument "extra" for `kikuai balance`. See `kikuai balance --help`.');
    expect(notACommand('keys:foo:bar', names)).toBe('"keys foo bar" is not a kikuai command. See `kikuai keys --help` for the list.');
    expect(notACommand('xyzzy', names)).toBe('"xyzzy" is not a kikuai command. See `kikuai --help` for the list.');
  });
});
