import { createInterface } from 'node:readline/promises';
import { UsageError } from './exit-codes.js';
import { canPrompt, isCi } from './terminal.js';

/**
 * Nothing prompts unless a person is at a terminal. Otherwise fail at once, naming the
 * flag that answers the question, so a script or CI job never hangs.
 */
export function assertCanPrompt(flag: string, what: string): void {
  if (canPrompt()) return;
  const why = isCi() ? 'CI is set' : 'stdin is not a terminal';
  throw new UsageError(`${what} needs confirmation, and ${why}: pass ${flag}.`);
}

export async function confirm(question: string): Promise<boolean> {
  const readline = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await readline.question(`${question} [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    readline.close();
  }
}

/** Asks without echo (a TTY only). */
export async function askSecret(message: string): Promise<string> {
  const { default: password } = await import('@inquirer/password');
  return password({ message, mask: false }, { output: process.stderr });
}

const STDIN_LIMIT_BYTES = 10 * 1024 * 1024;

/** All of stdin, when it is a pipe or a file. */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buffer.length;
    if (size > STDIN_LIMIT_BYTES) throw new UsageError('stdin is larger than 10 MB.');
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
