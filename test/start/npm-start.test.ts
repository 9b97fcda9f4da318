/**
 * `npm start` as a user runs it, in a scratch copy of the repository: it reads `.env` (the
 * real environment wins), prints no warning the user cannot act on, builds nothing on an
 * unchanged tree, and rebuilds a touched package and the packages that depend on it.
 */
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@kikuai/testkit/http';
import { copyRepository, startCommand, stopGroup, type ScratchRepository, type Started } from '../support/scratch-repository.js';

const LISTENING = 'kikuai API listening';
const START_PACKAGES = ['@kikuai/sdk', '@kikuai/bot', '@kikuai/miniapp', '@kikuai/server', '@kikuai/launcher'];

describe('npm start', () => {
  let repository: ScratchRepository;
  let started: Started | undefined;
  let port = 0;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'kikuai-start-data-'));

  const npmStart = async () => {
    started = await startCommand('npm', ['start'], { cwd: repository.root, env: { PORT: String(port) }, ready: LISTENING, timeoutMs: 300_000 });
    return started;
  };
  const builtPackages = (output: string) => [...output.matchAll(/^build: (\S+) \(/gm)].map((match) => match[1]);

  beforeAll(async () => {
    repository = copyRepository();
    port = await freePort();
    const portInFile = await freePort();
    writeFileSync(
      path.join(repository.root, '.env'),
      [`PORT=${portInFile}`, `KIKUAI_DATA_DIR=${dataDir}`, 'RELIAPI_API_KEY=from-dotenv-not-a-real-key', ''].join('\n'),
    );
  });

  afterEach(async () => {
    await stopGroup(started?.child);
    started = undefined;
  });

  afterAll(() => {
    repository?.remove();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('reads .env, lets the real environment win, and prints no warning', async () => {
    const { output } = await npmStart();

    expect(output()).toContain('config: .env read');
    expect(output()).toContain(`${LISTENING} on http://127.0.0.1:${port}`);
    expect(output()).toContain(`embedded SQLite at ${dataDir}/kikuai.db`);
    expect(output()).not.toMatch(/"level":(40|50|60)/);
    expect(output()).not.toMatch(/EBADENGINE|npm warn/i);
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(ready.status).toBe(200);
  }, 300_000);

  it('builds nothing on an unchanged tree', async () => {
    const { output, readyAfterMs } = await npmStart();

    console.log(`npm start on an unchanged tree: listening after ${(readyAfterMs / 1000).toFixed(1)} s`);
    expect(builtPackages(output())).toEqual([]);
    expect(output()).toContain(`build: up to date: ${START_PACKAGES.join(', ')}`);
  }, 60_000);

  it('rebuilds a touched package and those that depend on it, and nothing else', async () => {
    const now = new Date();
    utimesSync(path.join(repository.root, 'bot/src/commands.ts'), now, now);

    const { output } = await npmStart();

    expect(builtPackages(output())).toEqual(['@kikuai/bot', '@kikuai/launcher']);
    expect(output()).toContain('build: @kikuai/bot (bot/src/commands.ts changed)');
    expect(output()).toContain('build: up to date: @kikuai/sdk, @kikuai/miniapp, @kikuai/server');
    expect(output()).toContain(`${LISTENING} on http://127.0.0.1:${port}`);
  }, 300_000);
});
