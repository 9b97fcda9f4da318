/**
 * Issue 16, acceptance (c): without Telegram, `npm start -- --demo` on a tree with no `.env`
 * and no KIKUAI_* variable, then the commands it prints, reach a charged call: no restart,
 * no hand-written variable (the admin token is generated into the data dir, 0600, and the
 * printed commands read it from there). The commands run as printed, through `npx kikuai`
 * (the built binary), against the real server on a temp SQLite dir. Then the demo's page in
 * `kikuai products show` gives a curl that, run as printed, is charged too. Prints how many
 * commands and seconds it took.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The runner's environment without anything of ours that would change what the commands do. */
function userEnvironment(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !name.startsWith('KIKUAI_') && !name.startsWith('VITEST') && !['CI', 'NODE_OPTIONS'].includes(name)) env[name] = value;
  }
  return { ...env, ...extra };
}

function shell(command: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += String(chunk)));
    child.stderr.on('data', (chunk) => (stderr += String(chunk)));
    child.once('error', reject).once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('the local path without Telegram', () => {
  let launcher: ChildProcess;
  let output = '';
  let dataDir: string;
  let startSeconds = 0;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'kikuai-local-path-'));
    const started = performance.now();
    launcher = spawn('npm', ['start', '--', '--demo'], {
      cwd: root,
      // Only the test's isolation (a free port, a temp data dir, quiet logs): no admin token, no demo variable.
      env: userEnvironment({ PORT: '0', KIKUAI_DATA_DIR: dataDir, KIKUAI_LOG_LEVEL: 'warn' }),
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group: npm, its shell and node stop together.
      detached: true,
    });
    launcher.stdout!.on('data', (chunk) => (output += String(chunk)));
    launcher.stderr!.on('data', (chunk) => (output += String(chunk)));
    // npm start builds what is stale first.
    const deadline = Date.now() + 240_000;
    while (!/^\s+3\. /m.test(output)) {
      if (Date.now() > deadline || launcher.exitCode !== null) throw new Error(`npm start printed no local path:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    startSeconds = (performance.now() - started) / 1000;
  });

  afterAll(async () => {
    if (launcher && launcher.exitCode === null) {
      const exited = new Promise((resolve) => launcher.once('exit', resolve));
      process.kill(-launcher.pid!, 'SIGTERM');
      await exited;
    }
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('reaches a charged call in the three commands npm start prints', async () => {
    const printed = [...output.matchAll(/^\s+\d\. (.*npx kikuai .+)$/gm)].map((match) => match[1]!);
    expect(printed).toHaveLength(3);
    expect(output).not.toMatch(/adm_/);
    const tokenFile = path.join(dataDir, 'admin-token');
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    const configDir = mkdtempSync(path.join(tmpdir(), 'kikuai-local-path-cli-'));
    // A fresh shell of the user's: nothing of kikuai's set, a config dir of its own.
    const env = userEnvironment({ KIKUAI_CONFIG_DIR: configDir });
    try {
      const started = performance.now();
      let accountId = '';
      const results = [];
      for (const command of printed) {
        const result = await shell(command.replace('<the account id step 1 printed>', accountId), env);
        expect(result, `${command}\n${result.stderr}`).toMatchObject({ code: 0 });
        accountId ||= /Created account (acc_\w+)/.exec(result.stdout)?.[1] ?? '';
        results.push(result);
      }
      const seconds = (performance.now() - started) / 1000;
      console.log(
        `local path without Telegram: npm start -- --demo (${startSeconds.toFixed(1)} s to its banner, stale builds included), then ${printed.length} printed commands, ${seconds.toFixed(1)} s`,
      );

      expect(accountId).toMatch(/^acc_/);
      expect(JSON.parse(results[2]!.stdout)).toEqual({ echo: { hello: 'kikuai' } });
      const price = JSON.parse((await shell('npx kikuai products show demo --json', env)).stdout).endpoints[0].price_micros as number;
      const balance = JSON.parse((await shell('npx kikuai balance --json', env)).stdout) as { balance_micros: number };
      expect(balance.balance_micros).toBe(1_000_000 - price);
      const history = JSON.parse((await shell('npx kikuai history --json', env)).stdout) as {
        data: Array<{ kind: string; amount_micros: number; reason: string }>;
      };
      expect(history.data).toContainEqual(expect.objectContaining({ kind: 'debit', amount_micros: -price, reason: 'demo/echo' }));

      // The demo's page: its curl, run as printed with the key in KIKUAI_API_KEY, is charged too.
      const page = (await shell('npx kikuai products show demo', env)).stdout;
      expect(page).toMatch(/^echo {2}POST http:\/\/127\.0\.0\.1:\d+\/api\/v1\/proxy\/demo\/echo$/m);
      expect(page).toContain('Limits: 600 requests per 60 s per account');
      const curl = /^ {4}(curl .+)$/m.exec(page)![1]!;
      const savedKey = (JSON.parse(readFileSync(path.join(configDir, 'credentials.json'), 'utf8')) as { profiles: Record<string, { api_key: string }> }).profiles
        .default!.api_key;
      const answered = await shell(curl, { ...env, KIKUAI_API_KEY: savedKey });
      expect(JSON.parse(answered.stdout)).toEqual({ echo: { hello: 'kikuai' } });
      const after = JSON.parse((await shell('npx kikuai balance --json', env)).stdout) as { balance_micros: number };
      expect(after.balance_micros).toBe(1_000_000 - 2 * price);
    } finally {
      rmSync(configDir, { recursive: true, force: true });
    }
  }, 120_000);
});
