import { Args, Flags } from '@oclif/core';
import { parseUsdToMicros } from './services/money.js';

/** A USD amount such as `10` or `12.50`, parsed to integer micro-USD (no floats). */
export const usdFlag = Flags.custom<number>({
  helpValue: '<usd>',
  async parse(input) {
    const micros = parseUsdToMicros(input);
    if (micros === undefined) throw new Error(`Expected a USD amount such as 10 or 12.50 (at most six decimals), got "${input}".`);
    return micros;
  },
});

export const yesFlag = Flags.boolean({ char: 'y', summary: 'Do not ask for confirmation (required when stdin is not a terminal or CI is set).' });

export const keyIdArg = Args.string({ description: 'The key id (key_…), as `kikuai keys list` shows it.', required: true });

export const productsFlag = Flags.string({
  summary: 'Only these products may be called with the key (comma-separated product ids).',
  helpValue: '<ids>',
});

export function splitList(text: string): string[] {
  return text.split(',').map((item) => item.trim()).filter(Boolean);
}
