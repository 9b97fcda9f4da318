import { readFile } from 'node:fs/promises';
import { UsageError } from './exit-codes.js';
import { readStdin } from './interaction.js';

/**
 * The JSON body of a proxied call: `--data '{…}'`, `--data @file.json`, `--data @-` or a
 * pipe into stdin; `{}` when there is none and stdin is a terminal.
 */
export async function readRequestBody(data: string | undefined): Promise<unknown> {
  let text: string;
  let origin: string;
  if (data === undefined) {
    if (process.stdin.isTTY) return {};
    text = await readStdin();
    origin = 'stdin';
    if (text.trim() === '') return {};
  } else if (data === '@-' || data === '-') {
    text = await readStdin();
    origin = 'stdin';
  } else if (data.startsWith('@')) {
    const file = data.slice(1);
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw new UsageError(`Cannot read --data file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`);
    }
    origin = file;
  } else {
    text = data;
    origin = '--data';
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`The body from ${origin} is not valid JSON: ${(error as Error).message}.`);
  }
}
