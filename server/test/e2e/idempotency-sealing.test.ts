/**
 * The answers kept for Idempotency-Key are sealed under a server secret: what a replay
 * gets after a restart, on another instance, and after the secret changed.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp, type KikuaiApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createStore } from '../../src/store/index.js';
import { REDIS_URL, STORE_KINDS } from '@kikuai/testkit/stores';
import { deleteRedisPrefix, uniqueRedisPrefix } from '@kikuai/testkit/redis';

const serviceToken = `svc_${randomBytes(16).toString('hex')}`;
const running: KikuaiApp[] = [];
const cleanups: Array<() => void | Promise<void>> = [];

afterEach(async () => {
  for (const app of running.splice(0)) await app.close();
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

function world(storeKind: 'sqlite' | 'redis') {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'kikuai-idem-'));
  const prefix = uniqueRedisPrefix();
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  if (storeKind === 'redis') {
    cleanups.push(async () => {
      await deleteRedisPrefix(REDIS_URL, prefix);
    });
  }
  const start = async (env: Record<string, string> = {}) => {
    const config = loadConfig({
      KIKUAI_DATA_DIR: dataDir,
      KIKUAI_BOT_SERVICE_TOKEN: serviceToken,
      KIKUAI_LOG_LEVEL: 'silent',
      ...(storeKind === 'redis' ? { REDIS_URL, KIKUAI_REDIS_PREFIX: prefix } : {}),
      ...env,
    });
    const app = await buildApp({
      config,
      store: createStore({ redisUrl: config.redisUrl, dataDir: config.dataDir, keyPrefix: config.redisKeyPrefix }),
      logger: false,
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    running.push(app);
    const address = app.server.address();
    return { app, url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}` };
  };
  return { dataDir, start };
}

const telegramId = () => 800_000_000 + Math.floor(Math.random() * 90_000_000);

function register(url: string, userId: number, idempotencyKey: string) {
  return fetch(`${url}/api/v1/auth/register`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-kikuai-service-token': serviceToken,
      'x-kikuai-telegram-user-id': String(userId),
      'idempotency-key': idempotencyKey,
    },
    body: JSON.stringify({ telegram_user: { id: userId, first_name: 'Idem' } }),
  }).then(async (response) => ({ status: response.status, body: (await response.json()) as { api_key: { secret: string } | null; code?: string } }));
}

function createKey(url: string, apiKey: string, idempotencyKey: string) {
  return fetch(`${url}/api/v1/api_keys`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}`, 'idempotency-key': idempotencyKey },
    body: JSON.stringify({ name: 'sealed' }),
  }).then(async (response) => ({
    status: response.status,
    replayed: response.headers.get('idempotent-replayed'),
    body: (await response.json()) as { id?: string; secret?: string; code?: string },
  }));
}

const keyCount = (url: string, apiKey: string) =>
  fetch(`${url}/api/v1/api_keys`, { headers: { authorization: `Bearer ${apiKey}` } }).then(
    async (response) => ((await response.json()) as { data: unknown[] }).data.length,
  );

describe('idempotency secret on the embedded store, unset', () => {
  it('is generated once in the data directory (0600), so a replay after a restart gets the same secret', async () => {
    const { dataDir, start } = world('sqlite');
    const first = await start();
    const account = await register(first.url, telegramId(), `reg-${randomBytes(4).toString('hex')}`);
    const created = await createKey(first.url, account.body.api_key!.secret, 'restart-1');
    expect(created.status).toBe(201);
    await running.pop()!.close();

    const file = path.join(dataDir, 'idempotency.secret');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const second = await start();
    const replay = await createKey(second.url, account.body.api_key!.secret, 'restart-1');
    expect(replay.replayed).toBe('true');
    expect(replay.body.secret).toBe(created.body.secret);
  });
});

describe.each(STORE_KINDS)('idempotency secret changed (%s)', (storeKind) => {
  it('refuses the replay with 409 and runs nothing twice', async () => {
    const { start } = world(storeKind);
    const before = await start({ KIKUAI_IDEMPOTENCY_SECRET: randomBytes(32).toString('hex') });
    const account = await register(before.url, telegramId(), `reg-${randomBytes(4).toString('hex')}`);
    const apiKey = account.body.api_key!.secret;
    expect((await createKey(before.url, apiKey, 'changed-1')).status).toBe(201);
    const keysBefore = await keyCount(before.url, apiKey);

    const after = await start({ KIKUAI_IDEMPOTENCY_SECRET: randomBytes(32).toString('hex') });
    const replay = await createKey(after.url, apiKey, 'changed-1');
    expect(replay.status).toBe(409);
    expect(replay.body.code).toBe('idempotency_key_reused');
    expect(await keyCount(after.url, apiKey)).toBe(keysBefore);
  });
});

describe.each(STORE_KINDS.filter((kind) => kind === 'redis'))('idempotency secret on Redis, unset (%s)', (storeKind) => {
  it('is one per process: another instance refuses the replay with 409 instead of creating a second key', async () => {
    const { start } = world(storeKind);
    const one = await start();
    const two = await start();
    const account = await register(one.url, telegramId(), `reg-${randomBytes(4).toString('hex')}`);
    const apiKey = account.body.api_key!.secret;
    expect((await createKey(one.url, apiKey, 'instances-1')).status).toBe(201);
    expect((await createKey(one.url, apiKey, 'instances-1')).replayed).toBe('true');
    const keysBefore = await keyCount(one.url, apiKey);
    const elsewhere = await createKey(two.url, apiKey, 'instances-1');
    expect(elsewhere.status).toBe(409);
    expect(await keyCount(two.url, apiKey)).toBe(keysBefore);
  });
});
