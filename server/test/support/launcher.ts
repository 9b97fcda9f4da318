/** The built `npm start` (`node launcher/dist/main.js`) as the deploy tests run it: a child process with its output collected. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const launcherEntry = path.join(repositoryRoot, 'launcher/dist/main.js');

export interface Launched {
  child: ChildProcess;
  /** Everything it has printed so far, stdout and stderr together. */
  output(): string;
}

/** Starts the launcher with only PATH and `env`; resolves once its output contains `ready` (20 s at most, else it is stopped). */
export async function launch(env: Record<string, string>, ready: string): Promise<Launched> {
  let output = '';
  const child = spawn(process.execPath, [launcherEntry], {
    cwd: repositoryRoot,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (chunk) => (output += String(chunk)));
  child.stderr.on('data', (chunk) => (output += String(chunk)));
  const deadline = Date.now() + 20_000;
  while (!output.includes(ready)) {
    if (Date.now() > deadline || child.exitCode !== null) {
      await stop(child);
      throw new Error(`the server did not start:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { child, output: () => output };
}

/** SIGTERM, and resolves with the exit code once it has exited (at once when it already had). */
export async function stop(child: ChildProcess | null | undefined): Promise<number | null> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  return exited;
}
