import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../src/commands.js';
import { LOCALES, localesDirectory } from '../src/i18n.js';
import { startBotHarness, textOf, type BotHarness } from './support/harness.js';
import { command, newUser } from './support/updates.js';

/** Message id → the variables it uses, read from a Fluent file. */
function catalog(locale: string): Map<string, string[]> {
  const source = readFileSync(path.join(localesDirectory, `${locale}.ftl`), 'utf8');
  const messages = new Map<string, string[]>();
  let current: string | null = null;
  for (const line of source.split('\n')) {
    const start = /^([a-z][a-z0-9-]*)\s*=/.exec(line);
    if (start) messages.set((current = start[1]!), []);
    else if (!/^\s/.test(line)) current = null;
    if (current) messages.get(current)!.push(...[...line.matchAll(/\{\s*\$([A-Za-z]+)\s*\}/g)].map((match) => match[1]!));
  }
  for (const [id, variables] of messages) messages.set(id, [...new Set(variables)].sort());
  return messages;
}

/** Every `t('literal-key')` in the bot's source, plus the families looked up by prefix. */
function keysUsedInSource(): string[] {
  const directory = path.resolve(localesDirectory, '..');
  const files = readdirSync(directory, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'));
  const keys = new Set<string>();
  for (const file of files) {
    for (const match of readFileSync(path.join(directory, file), 'utf8').matchAll(/\bt\((?:'[a-z]{2}',\s*)?'([a-z][a-z0-9-]*)'/g)) keys.add(match[1]!);
  }
  for (const kind of ['credit', 'debit', 'refund', 'adjustment']) keys.add(`history-kind-${kind}`);
  for (const status of ['active', 'disabled', 'expired', 'revoked']) keys.add(`key-status-${status}`);
  for (const status of ['live', 'soon']) keys.add(`product-status-${status}`);
  for (const reason of ['no-account', 'unknown-invoice', 'not-pending', 'wrong-currency', 'wrong-amount']) keys.add(`payment-declined-${reason}`);
  for (const code of ['account-suspended', 'too-many-keys']) keys.add(`error-${code}`);
  for (const name of COMMANDS) keys.add(`command-${name.replaceAll('_', '-')}`);
  return [...keys].sort();
}

describe('the catalogs', () => {
  it('hold the same messages with the same variables in English and Russian', () => {
    const english = catalog('en');
    const russian = catalog('ru');
    expect([...russian.keys()].sort()).toEqual([...english.keys()].sort());
    for (const [id, variables] of english) expect({ id, variables: russian.get(id) }).toEqual({ id, variables });
  });

  it('hold every message the code uses', () => {
    const english = catalog('en');
    expect(keysUsedInSource().filter((key) => !english.has(key))).toEqual([]);
  });
});

describe('every command', () => {
  let harness: BotHarness;
  beforeAll(async () => {
    harness = await startBotHarness();
  });
  afterAll(async () => {
    await harness?.close();
  });

  const cyrillic = /[А-Яа-яЁё]/;
  const everyCommand = [...COMMANDS.map((name) => `/${name}`), '/product reliapi'];

  for (const locale of LOCALES) {
    it(`answers in ${locale === 'en' ? 'English' : 'Russian'} for a user whose Telegram is in ${locale}`, async () => {
      const user = newUser({ language_code: locale === 'en' ? 'en-GB' : 'ru' });
      for (const text of everyCommand) {
        const reply = await harness.replyTo(command(user, text), { chatId: user.id });
        expect({ command: text, russian: cyrillic.test(textOf(reply)) }).toEqual({ command: text, russian: locale === 'ru' });
      }
    });
  }

  it('answers in English when the language is neither', async () => {
    const user = newUser({ language_code: 'de' });
    const reply = await harness.replyTo(command(user, '/help'), { chatId: user.id });
    expect(textOf(reply)).toContain('/balance: your balance');
  });

  it('registers the command menu in both languages at start-up', () => {
    const calls = harness.telegram.callsOf('setMyCommands');
    expect(calls.map((call) => call.params.language_code ?? 'default')).toEqual(['default', 'ru']);
    const russian = calls[1]!.params.commands as Array<{ command: string; description: string }>;
    expect(russian.map((entry) => entry.command)).toEqual([...COMMANDS]);
    expect(russian.find((entry) => entry.command === 'balance')?.description).toBe('Ваш баланс');
  });
});
