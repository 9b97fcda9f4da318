import { ux } from '@oclif/core';
import { isCi } from './terminal.js';

/** Calls faster than this show nothing: a spinner that flashes is noise. */
export const SPINNER_DELAY_MS = 300;

const ERASE_PREVIOUS_LINE = '\u001B[1A\u001B[2K';

/**
 * A spinner is for a person watching a terminal: both streams are terminals (so nothing
 * is piped or redirected), no --json, no CI, not a dumb terminal.
 */
export function spinnerAllowed(options: { json: boolean; env?: NodeJS.ProcessEnv; stdout?: NodeJS.WriteStream; stderr?: NodeJS.WriteStream }): boolean {
  const { env = process.env, stdout = process.stdout, stderr = process.stderr } = options;
  return !options.json && Boolean(stdout.isTTY) && Boolean(stderr.isTTY) && !isCi(env) && env.TERM !== 'dumb';
}

/**
 * A fetch for the SDK that shows oclif's spinner on stderr when an answer takes longer
 * than {@link SPINNER_DELAY_MS}, and erases it when the answer's headers arrive (a stream
 * then prints as it comes). A command's own spinner (topup's wait) is left alone.
 */
export function fetchWithSpinner(label: string, base: typeof globalThis.fetch = globalThis.fetch): typeof globalThis.fetch {
  return async (input, init) => {
    if (ux.action.running) return base(input, init);
    let shown = false;
    const timer = setTimeout(() => {
      if (ux.action.running) return;
      ux.action.start(label, undefined, { stdout: false });
      shown = true;
    }, SPINNER_DELAY_MS);
    try {
      return await base(input, init);
    } finally {
      clearTimeout(timer);
      if (shown) {
        ux.action.stop('');
        process.stderr.write(ERASE_PREVIOUS_LINE);
      }
    }
  };
}
