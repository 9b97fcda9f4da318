/**
 * Issue 16, acceptance (c): without Telegram, `npm start` (the built launcher) and then the
 * commands it prints reach a charged call. The commands run as printed, through `npx
 * kikuai` (the built binary), against a real server on a temp SQLite dir with the demo
 * product and an admin token. Prints how many commands and seconds it took.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const adminToken = `adm_${randomBytes(16).toString('hex')}`;

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

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'kikuai-local-path-'));
    launcher = spawn(process.execPath, [path.join(root, 'launcher/dist/main.js')], {
      cwd: root,
      // What an operator sets for this path; no Telegram variable at all.
      env: userEnvironment({ PORT: '0', KIKUAI_DATA_DIR: dataDir, KIKUAI_ADMIN_TOKEN: adminToken, KIKUAI_DEMO_PRODUCT: '1', KIKUAI_LOG_LEVEL: 'warn' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    launcher.stdout!.on('data', (chunk) => (output += String(chunk)));
    launcher.stderr!.on('data', (chunk) => (output += String(chunk)));
    const deadline = Date.now() + 30_000;
    while (!/^\s+3\. /m.test(output)) {
      if (Date.now() > deadline || launcher.exitCode !== null) throw new Error(`npm start printed no local path:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });

  afterAll(async () => {
    if (launcher && launcher.exitCode === null) {
      const exited = new Promise((resolve) => launcher.once('exit', resolve));
      launcher.kill('SIGTERM');
      await exited;
    }
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('reaches a charged call in the three commands npm start prints', async () => {
    const printed = [...output.matchAll(/^\s+\d\. (npx kikuai .+)$/gm)].map((match) => match[1]!);
    expect(printed).toHaveLength(3);
    const configDir = mkdtempSync(path.join(tmpdir(), 'kikuai-local-path-cli-'));
    // A shell of the operator's: the admin token as the server has it, a config dir of its own.
    const env = userEnvironment({ KIKUAI_ADMIN_TOKEN: adminToken, KIKUAI_CONFIG_DIR: configDir });
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
      console.log(`local path without Telegram: ${printed.length} commands after npm start, ${seconds.toFixed(1)} s`);

      expect(accountId).toMatch(/^acc_/);
      expect(JSON.parse(results[2]!.stdout)).toEqual({ echo: { hello: 'kikuai' } });
      const price = JSON.parse((await shell('npx kikuai products show demo --json', env)).stdout).endpoints[0].price_micros as number;
      const balance = JSON.parse((await shell('npx kikuai balance --json', env)).stdout) as { balance_micros: number };
      expect(balance.balance_micros).toBe(1_000_000 - price);
      const history = JSON.parse((await shell('npx kikuai history --calls --json', env)).stdout) as {
        data: Array<{ kind: string; amount_micros: number; reason: string }>;
      };
      expect(history.data).toContainEqual(expect.objectContaining({ kind: 'debit', amount_micros: -price, reason: 'demo/echo' }));
    } finally {
      rmSync(configDir, { recursive: true, force: true });
    }
  }, 120_000);
});
