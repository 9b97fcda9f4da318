import { askSecret, readStdin } from './interaction.js';
import { UsageError } from './exit-codes.js';
import { canPrompt, isCi } from './terminal.js';

/**
 * Where `kikuai login` takes the key from: `--api-key`, a pipe on stdin, or a prompt
 * without echo when a person is at a terminal. Never from KIKUAI_API_KEY: logging in
 * saves the key, and an environment variable is not something to persist by surprise.
 */
export async function obtainApiKey(flagValue: string | undefined): Promise<string> {
  if (flagValue?.trim()) return flagValue.trim();
  if (!process.stdin.isTTY) {
    const piped = (await readStdin()).trim();
    if (!piped) throw new UsageError('No API key on stdin: pass --api-key kik_…, or pipe the key in (`echo "$KEY" | kikuai login`).');
    return piped.split(/\s+/)[0]!;
  }
  if (!canPrompt()) {
    throw new UsageError(`${isCi() ? 'CI is set, so' : 'Cannot'} the key cannot be asked for: pass --api-key kik_…, or pipe it on stdin.`);
  }
  const typed = (await askSecret('API key (kik_…, from /api_key in the Telegram bot):')).trim();
  if (!typed) throw new UsageError('No API key given.');
  return typed;
}
