/**
 * No API key secret at rest (issue 13, item 3). Keys are created and rotated through
 * every face that sends an Idempotency-Key — raw HTTP, the built SDK, the built `kikuai`
 * binary and the bot through the fake Bot API — then every value the store holds is read
 * (SQLite: every column of every table; Redis: every key under the test's prefix, of
 * every type) and no secret, nor any Idempotency-Key, is found in clear. A replay with
 * the same Idempotency-Key still gets the same secret back.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { Redis } from 'ioredis';
import { createKikuaiClient } from '@kikuai/sdk';
import { FAKE_BOT_INFO, startFakeTelegram, startTestServer, type FakeTelegram, type TestServer } from '@kikuai/testkit';
import type { UserFromGetMe } from 'grammy/types';
import { startBot, type RunningBot } from '../src/start-bot.js';
import { STORE_KINDS, REDIS_URL } from '@kikuai/testkit/stores';
import { buttonsOf, captureLogger, secretIn } from './support/harness.js';
import { callbackQuery, command, newUser } from './support/updates.js';

const CLI_BIN = fileURLToPath(new URL('../../cli/bin/run.js', import.meta.url));

function runCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const clean: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env))
    if (value !== undefined && !name.startsWith('KIKUAI_') && !name.startsWith('VITEST') && name !== 'CI') clean[name] = value;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_BIN, ...args], { env: { ...clean, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Every value the store holds, as text. */
async function everythingStored(server: TestServer): Promise<string[]> {
  if (server.store.kind === 'sqlite') {
    const db = new Database(path.join(server.config.dataDir, 'kikuai.db'), { readonly: true });
    try {
      const values: string[] = [];
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>;
      for (const { name } of tables) {
        for (const row of db.prepare(`SELECT * FROM "${name}"`).raw().all() as unknown[][]) {
          for (const cell of row) values.push(Buffer.isBuffer(cell) ? cell.toString('latin1') : String(cell));
        }
      }
      return values;
    } finally {
      db.close();
    }
  }
  const client = new Redis(REDIS_URL);
  try {
    const values: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${server.config.redisKeyPrefix}*`, 'COUNT', 1000);
      cursor = next;
      for (const key of keys) {
        values.push(key);
        const type = await client.type(key);
        if (type === 'string') values.push((await client.get(key)) ?? '');
        else if (type === 'hash') values.push(...Object.entries(await client.hgetall(key)).flat());
        else if (type === 'list') values.push(...(await client.lrange(key, 0, -1)));
        else if (type === 'set') values.push(...(await client.smembers(key)));
        else if (type === 'zset') values.push(...(await client.zrange(key, 0, -1, 'WITHSCORES')));
        else if (type === 'stream') values.push(JSON.stringify(await client.xrange(key, '-', '+')));
        else throw new Error(`unexpected Redis type ${type} at ${key}`);
      }
    } while (cursor !== '0');
    return values;
  } finally {
    client.disconnect();
  }
}

describe.each(STORE_KINDS)('no API key secret at rest (%s)', (storeKind) => {
  let telegram: FakeTelegram;
  let server: TestServer;
  let bot: RunningBot;
  const secrets: string[] = [];
  const idempotencyKeys: string[] = [];

  beforeAll(async () => {
    telegram = await startFakeTelegram();
    server = await startTestServer({ store: storeKind, env: { TELEGRAM_API_ROOT: telegram.apiRoot } });
    bot = await startBot({
      token: server.botToken,
      apiBaseUrl: server.url,
      serviceToken: server.serviceToken,
      apiRoot: telegram.apiRoot,
      botInfo: { ...FAKE_BOT_INFO } as unknown as UserFromGetMe,
      logger: captureLogger([]),
      rotateGraceSeconds: 0,
    });
  });
  afterAll(async () => {
    await bot?.stop();
    await server?.close();
    await telegram?.close();
  });

  it('creates and rotates keys through raw HTTP, the SDK, the CLI and the bot, and a replay returns the same secret', async () => {
    // The bot: /start registers (the first key), /regenerate_key rotates it.
    const user = newUser();
    const welcome = await telegramReply(command(user, '/start'), user.id, /API key/);
    const botKey = secretIn(welcome)!;
    expect(botKey).toMatch(/^kik_/);
    const question = await telegramReply(command(user, '/regenerate_key'), user.id);
    const confirm = buttonsOf(question).find((button) => button.callback_data?.startsWith('rot:yes:'))!;
    const rotatedByBot = secretIn(await telegramReply(callbackQuery(user, confirm.callback_data!, { message_id: 42 }), user.id, /new API key/))!;
    expect(rotatedByBot).toMatch(/^kik_/);
    secrets.push(botKey, rotatedByBot);

    // Raw HTTP, with an Idempotency-Key, then its replay.
    const createKey = async (idempotencyKey: string) => {
      const response = await fetch(`${server.url}/api/v1/api_keys`, {
        method: 'POST',
        headers: { authorization: `Bearer ${rotatedByBot}`, 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
        body: JSON.stringify({ name: 'raw' }),
      });
      return {
        status: response.status,
        replayed: response.headers.get('idempotent-replayed'),
        body: (await response.json()) as { id: string; secret: string },
      };
    };
    const rawIdempotencyKey = `raw-${Date.now()}-create`;
    idempotencyKeys.push(rawIdempotencyKey);
    const raw = await createKey(rawIdempotencyKey);
    expect(raw.status, JSON.stringify(raw.body)).toBe(201);
    const replay = await createKey(rawIdempotencyKey);
    expect(replay.replayed).toBe('true');
    expect(replay.body.secret).toBe(raw.body.secret);
    expect(replay.body.id).toBe(raw.body.id);
    const rawRotateKey = `raw-${Date.now()}-rotate`;
    idempotencyKeys.push(rawRotateKey);
    const rotate = () =>
      fetch(`${server.url}/api/v1/api_keys/${raw.body.id}/rotate`, {
        method: 'POST',
        headers: { authorization: `Bearer ${rotatedByBot}`, 'content-type': 'application/json', 'idempotency-key': rawRotateKey },
        body: JSON.stringify({ grace_period_seconds: 0 }),
      }).then((response) => response.json() as Promise<{ secret: string }>);
    const rawRotated = await rotate();
    expect((await rotate()).secret).toBe(rawRotated.secret);
    secrets.push(raw.body.secret, rawRotated.secret);

    // The built SDK (it generates an Idempotency-Key for create and rotate).
    const sdk = createKikuaiClient({ baseUrl: server.url, auth: { apiKey: rotatedByBot }, maxRetries: 0 });
    const sdkIdempotencyKey = `sdk-${Date.now()}`;
    idempotencyKeys.push(sdkIdempotencyKey);
    const sdkKey = await sdk.keys.create({ name: 'sdk' }, { idempotencyKey: sdkIdempotencyKey });
    expect((await sdk.keys.create({ name: 'sdk' }, { idempotencyKey: sdkIdempotencyKey })).secret).toBe(sdkKey.secret);
    const sdkGenerated = await sdk.keys.create({ name: 'sdk-generated' });
    const sdkRotated = await sdk.keys.rotate(sdkKey.id, { grace_period_seconds: 0 });
    secrets.push(sdkKey.secret, sdkGenerated.secret, sdkRotated.secret);

    // The built `kikuai` binary.
    const cliEnv = { KIKUAI_BASE_URL: server.url, KIKUAI_API_KEY: rotatedByBot, KIKUAI_CONFIG_DIR: path.join(server.config.dataDir, 'cli-config') };
    const created = await runCli(['keys', 'create', '--name', 'cli', '--json'], cliEnv);
    expect(created.code, created.stderr).toBe(0);
    const cliKey = JSON.parse(created.stdout) as { id: string; secret: string };
    const rotated = await runCli(['keys', 'rotate', cliKey.id, '--grace', '0', '--yes', '--json'], cliEnv);
    expect(rotated.code, rotated.stderr).toBe(0);
    secrets.push(cliKey.secret, (JSON.parse(rotated.stdout) as { secret: string }).secret);

    for (const secret of secrets) expect(secret).toMatch(/^kik_[0-9A-Za-z]{40,}$/);
  });

  it('leaves no secret and no Idempotency-Key in clear in any value the store holds', async () => {
    expect(secrets.length).toBeGreaterThanOrEqual(9);
    const stored = await everythingStored(server);
    expect(stored.length).toBeGreaterThan(10);
    const all = stored.join('\n');
    expect(all).not.toMatch(/kik_[0-9A-Za-z]{20}/);
    for (const secret of secrets) {
      expect(all).not.toContain(secret);
      // Nor its random part without the prefix.
      expect(all).not.toContain(secret.slice(4, 30));
    }
    for (const idempotencyKey of idempotencyKeys) expect(all).not.toContain(idempotencyKey);
  });

  async function telegramReply(update: Record<string, unknown>, chatId: number, text?: RegExp) {
    const mark = telegram.calls.length;
    const waiting = telegram.waitForCall(
      'sendMessage',
      (call) => telegram.calls.indexOf(call) >= mark && Number(call.params.chat_id) === chatId && (!text || text.test(String(call.params.text ?? ''))),
    );
    await telegram.pushUpdate(update);
    return waiting;
  }
});
