import { describe, expect, it } from 'vitest';
import { canPrompt, colorsEnabled, paintFor } from './terminal.js';

const tty = { isTTY: true } as NodeJS.WriteStream;
const pipe = { isTTY: false } as NodeJS.WriteStream;

describe('terminal', () => {
  it('colours a terminal only, and never with NO_COLOR or TERM=dumb', () => {
    expect(colorsEnabled(tty, {})).toBe(true);
    expect(colorsEnabled(pipe, {})).toBe(false);
    expect(colorsEnabled(tty, { NO_COLOR: '1' })).toBe(false);
    expect(colorsEnabled(tty, { TERM: 'dumb' })).toBe(false);
    expect(paintFor(tty, {}).red('x')).toBe('\u001B[31mx\u001B[39m');
    expect(paintFor(tty, { NO_COLOR: '1' }).red('x')).toBe('x');
  });

  it('prompts only a person at a terminal, never in CI', () => {
    const stdinTty = { isTTY: true } as NodeJS.ReadStream;
    expect(canPrompt({}, stdinTty)).toBe(true);
    expect(canPrompt({ CI: 'true' }, stdinTty)).toBe(false);
    expect(canPrompt({ CI: 'false' }, stdinTty)).toBe(true);
    expect(canPrompt({}, { isTTY: false } as NodeJS.ReadStream)).toBe(false);
  });
});
