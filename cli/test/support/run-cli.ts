import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built binary, run the way `npm i -g kikuai` runs it. `npm run build -w kikuai` first. */
export const BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Written to stdin, which is then closed (stdin is never a TTY here). */
  input?: string;
  /** Leave stdin open and empty, like a pipe nobody writes to: a prompt would hang. */
  keepStdinOpen?: boolean;
  env?: Record<string, string | undefined>;
  /** Kill the process after this long and fail: nothing may wait for input. */
  timeoutMs?: number;
  /** Called with each stdout chunk as it arrives. */
  onStdout?(chunk: string): void;
}

/** A temporary config directory; `cleanup()` removes it. */
export function tempConfigDir(): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'kikuai-cli-test-'));
  return { dir: path.join(dir, 'config'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The environment of the test runner without anything that would change the CLI's behaviour. */
function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (
      value === undefined ||
      name.startsWith('KIKUAI_') ||
      ['CI', 'DEBUG', 'NO_COLOR', 'FORCE_COLOR', 'NODE_OPTIONS'].includes(name) ||
      name.startsWith('VITEST')
    )
      continue;
    env[name] = value;
  }
  return env;
}

export function runCli(args: string[], options: RunOptions = {}): Promise<CliResult> {
  const env = { ...cleanEnv(), ...options.env };
  for (const [name, value] of Object.entries(env)) if (value === undefined) delete env[name];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      options.onStdout?.(chunk);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timeoutMs = options.timeoutMs ?? 20_000;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`kikuai ${args.join(' ')} did not finish within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    if (options.keepStdinOpen) child.on('close', () => child.stdin.destroy());
    else child.stdin.end(options.input ?? '');
  });
}
