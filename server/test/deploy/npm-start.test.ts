/**
 * What `npm start` runs (`node launcher/dist/main.js`, after the build): the API on its
 * embedded default, the Mini App's build at /webapp/, and the bot in the same process once
 * TELEGRAM_BOT_TOKEN and the service token are set — here against the fake Bot API, which
 * hands it a /start.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeTelegram, type FakeTelegram } from '@kikuai/testkit';
import { freePort } from '@kikuai/testkit/http';
import { launch, launcherEntry, repositoryRoot, stop, type Launched } from '../support/launcher.js';

describe('npm start', () => {
  let telegram: FakeTelegram;
  let launched: Launched;
  let port = 0;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'kikuai-start-'));
  const botToken = '7000000002:AAnpm-start-test-token-not-a-real-one';

  beforeAll(async () => {
    if (!existsSync(launcherEntry)) throw new Error(`${launcherEntry} is missing: run \`npm run build\` first (npm test does).`);
    telegram = await startFakeTelegram();
    port = await freePort();
    launched = await launch(
      {
        PORT: String(port),
        HOST: '127.0.0.1',
        KIKUAI_DATA_DIR: dataDir,
        TELEGRAM_BOT_TOKEN: botToken,
        TELEGRAM_API_ROOT: telegram.apiRoot,
        KIKUAI_BOT_SERVICE_TOKEN: 'svc_npm_start_test_0123456789',
      },
      'kikuai API listening',
    );
  });

  afterAll(async () => {
    await stop(launched?.child);
    await telegram?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves the API on the embedded store and says so', async () => {
    expect(launched.output()).toContain(`kikuai API listening on http://127.0.0.1:${port}`);
    expect(launched.output()).toContain(`embedded SQLite at ${dataDir}/kikuai.db`);
    const ready = await (await fetch(`http://127.0.0.1:${port}/readyz`)).json();
    expect(ready).toMatchObject({ status: 'ready', store: { kind: 'sqlite', ok: true } });
  });

  it.skipIf(!existsSync(path.join(repositoryRoot, 'miniapp/dist/index.html')) && !process.env.CI)("serves the Mini App's build at /webapp/", async () => {
    expect(launched.output()).toContain(`Mini App: http://127.0.0.1:${port}/webapp/`);
    const page = await fetch(`http://127.0.0.1:${port}/webapp/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('id="app"');
  });

  it('runs the bot in the same process: a /start gets an account and a first key', async () => {
    expect(launched.output()).toMatch(/bot:\s+running/);
    const user = { id: 880_000_001, is_bot: false, first_name: 'Nia', language_code: 'en' };
    await telegram.pushUpdate({
      message: {
        message_id: 1,
        date: Math.floor(Date.now() / 1000),
        chat: { id: user.id, type: 'private', first_name: 'Nia' },
        from: user,
        text: '/start',
        entities: [{ type: 'bot_command', offset: 0, length: 6 }],
      },
    });
    const reply = await telegram.waitForCall(
      'sendMessage',
      (call) => Number(call.params.chat_id) === user.id && /kik_[0-9A-Za-z]{49}/.test(String(call.params.text)),
      15_000,
    );
    const secret = /kik_[0-9A-Za-z]{49}/.exec(String(reply.params.text))![0];
    const me = await fetch(`http://127.0.0.1:${port}/api/v1/auth/me`, { headers: { authorization: `Bearer ${secret}` } });
    expect(me.status).toBe(200);
    expect((await me.json()).account.telegram_id).toBe(user.id);
    expect(launched.output()).not.toContain(secret);
    expect(launched.output()).not.toContain(botToken);
  });

  it('shuts down gracefully on SIGTERM: the bot stops, then the API, and the process exits 0', async () => {
    expect(await stop(launched.child)).toBe(0);
    expect(launched.output()).toContain('shutting down');
  });
});
