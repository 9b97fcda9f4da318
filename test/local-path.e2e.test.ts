/**
 * Issue 16, acceptance (c): without Telegram, in a scratch copy of the repository (no `.env`,
 * no `.data`, no KIKUAI_* variable: a fresh clone), `npm start -- --demo` and then the
 * commands it prints reach a charged call: no restart, no hand-written variable (the admin
 * token is generated into the data dir, 0600, and the printed commands read it from there).
 * The commands run as printed, through `npx kikuai` (the built binary), against the real
 * server on the default SQLite store. Then the demo's page in `kikuai products show` gives a
 * curl that, run as printed, is charged too. Prints how many commands and seconds it took.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@kikuai/testkit/http';
import { copyRepository, startCommand, stopGroup, type ScratchRepository, type Started } from './support/scratch-repository.js';

/** The user's shell: PATH and HOME, nothing of kikuai's. */
const userEnvironment = (extra: Record<string, string>) => ({ PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), ...extra });

function shell(command: string, cwd: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += String(chunk)));
    child.stderr.on('data', (chunk) => (stderr += String(chunk)));
    child.once('error', reject).once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('the local path without Telegram', () => {
  let repository: ScratchRepository;
  let started: Started | undefined;

  beforeAll(async () => {
    repository = copyRepository();
    // Only a free port, so the test never meets another server on 8000.
    started = await startCommand('npm', ['start', '--', '--demo'], {
      cwd: repository.root,
      env: { PORT: String(await freePort()) },
      ready: '  3. ',
      timeoutMs: 300_000,
    });
    // The banner's last line is printed whole before the next chunk; wait for its end.
    while (!/^ {2}3\. .+\n/m.test(started.output())) await new Promise((resolve) => setTimeout(resolve, 50));
  }, 320_000);

  afterAll(async () => {
    await stopGroup(started?.child);
    repository?.remove();
  });

  it('reaches a charged call in the three commands npm start prints', async () => {
    const output = started!.output();
    const printed = [...output.matchAll(/^\s+\d\. (.*npx kikuai .+)$/gm)].map((match) => match[1]!);
    expect(printed).toHaveLength(3);
    expect(output).not.toMatch(/adm_/);
    expect(statSync(path.join(repository.root, '.data/admin-token')).mode & 0o777).toBe(0o600);
    const configDir = mkdtempSync(path.join(tmpdir(), 'kikuai-local-path-cli-'));
    const env = userEnvironment({ KIKUAI_CONFIG_DIR: configDir });
    const run = (command: string, extra: Record<string, string> = {}) => shell(command, repository.root, { ...env, ...extra });
    try {
      const commandsStarted = performance.now();
      let accountId = '';
      const results = [];
      for (const command of printed) {
        const result = await run(command.replace('<the account id step 1 printed>', accountId));
        expect(result, `${command}\n${result.stderr}`).toMatchObject({ code: 0 });
        accountId ||= /Created account (acc_\w+)/.exec(result.stdout)?.[1] ?? '';
        results.push(result);
      }
      const seconds = (performance.now() - commandsStarted) / 1000;
      console.log(
        `local path without Telegram: npm start -- --demo (${(started!.readyAfterMs / 1000).toFixed(1)} s to its banner, stale builds included), ` +
          `then ${printed.length} printed commands, ${seconds.toFixed(1)} s`,
      );

      expect(accountId).toMatch(/^acc_/);
      expect(JSON.parse(results[2]!.stdout)).toEqual({ echo: { hello: 'kikuai' } });
      const price = JSON.parse((await run('npx kikuai products show demo --json')).stdout).endpoints[0].price_micros as number;
      const balance = JSON.parse((await run('npx kikuai balance --json')).stdout) as { balance_micros: number };
      expect(balance.balance_micros).toBe(1_000_000 - price);
      const history = JSON.parse((await run('npx kikuai history --calls --json')).stdout) as {
        data: Array<{ kind: string; amount_micros: number; reason: string }>;
      };
      expect(history.data).toContainEqual(expect.objectContaining({ kind: 'debit', amount_micros: -price, reason: 'demo/echo' }));

      // The demo's page: its curl, run as printed with the key in KIKUAI_API_KEY, is charged too.
      const page = (await run('npx kikuai products show demo')).stdout;
      expect(page).toMatch(/^echo {2}POST http:\/\/127\.0\.0\.1:\d+\/api\/v1\/proxy\/demo\/echo$/m);
      expect(page).toContain('Limits: 600 requests per 60 s per account');
      const curl = /^ {4}(curl .+)$/m.exec(page)![1]!;
      const credentials = JSON.parse(readFileSync(path.join(configDir, 'credentials.json'), 'utf8')) as { profiles: Record<string, { api_key: string }> };
      const answered = await run(curl, { KIKUAI_API_KEY: credentials.profiles.default!.api_key });
      expect(JSON.parse(answered.stdout)).toEqual({ echo: { hello: 'kikuai' } });
      const after = JSON.parse((await run('npx kikuai balance --json')).stdout) as { balance_micros: number };
      expect(after.balance_micros).toBe(1_000_000 - 2 * price);
    } finally {
      rmSync(configDir, { recursive: true, force: true });
    }
  }, 120_000);
});
