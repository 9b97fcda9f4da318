/**
 * A scratch copy of the repository for tests that build, start or pack it without touching
 * the working tree: the root files, every workspace with its `dist/` (timestamps kept), and
 * the build stamps. Its node_modules links each installed package to the real one, and the
 * workspace packages to the copies, so that builds and starts in the copy use the copy.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repositoryRoot = fileURLToPath(new URL('../..', import.meta.url));
const ROOT_ENTRIES = ['package.json', 'package-lock.json', 'tsconfig.json', 'openapi.yaml', 'config', 'scripts'];
// Not linked: the copy keeps its own build stamps and its own workspace links.
const UNLINKED_MODULES = new Set(['.cache', '.package-lock.json', '@kikuai', 'kikuai']);

export interface ScratchRepository {
  root: string;
  remove(): void;
}

export function copyRepository(): ScratchRepository {
  const root = mkdtempSync(path.join(tmpdir(), 'kikuai-repo-'));
  const workspaces = (JSON.parse(readFileSync(path.join(repositoryRoot, 'package.json'), 'utf8')) as { workspaces: string[] }).workspaces;
  const keep = (source: string) => !source.split(path.sep).includes('node_modules');
  for (const entry of [...ROOT_ENTRIES, ...workspaces]) {
    cpSync(path.join(repositoryRoot, entry), path.join(root, entry), { recursive: true, preserveTimestamps: true, filter: keep });
  }

  const modules = path.join(root, 'node_modules');
  mkdirSync(path.join(modules, '@kikuai'), { recursive: true });
  for (const entry of readdirSync(path.join(repositoryRoot, 'node_modules'))) {
    if (!UNLINKED_MODULES.has(entry)) symlinkSync(path.join(repositoryRoot, 'node_modules', entry), path.join(modules, entry));
  }
  for (const folder of workspaces) {
    const { name } = JSON.parse(readFileSync(path.join(root, folder, 'package.json'), 'utf8')) as { name: string };
    symlinkSync(path.join(root, folder), path.join(modules, name));
  }
  const stamps = path.join(repositoryRoot, 'node_modules/.cache/kikuai-build');
  if (existsSync(stamps)) cpSync(stamps, path.join(modules, '.cache/kikuai-build'), { recursive: true, preserveTimestamps: true });

  return { root, remove: () => rmSync(root, { recursive: true, force: true, maxRetries: 5 }) };
}

export interface Started {
  child: ChildProcess;
  /** Everything it has printed so far, stdout and stderr together. */
  output(): string;
  /** Milliseconds from spawn until `ready` appeared. */
  readyAfterMs: number;
}

/** Runs a command in its own process group with only PATH, HOME and `env`; resolves once its output contains `ready`. */
export async function startCommand(
  command: string,
  args: string[],
  options: { cwd: string; env: Record<string, string>; ready: string; timeoutMs: number },
): Promise<Started> {
  let output = '';
  const startedAt = Date.now();
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  child.stdout.on('data', (chunk) => (output += String(chunk)));
  child.stderr.on('data', (chunk) => (output += String(chunk)));
  while (!output.includes(options.ready)) {
    if (Date.now() - startedAt > options.timeoutMs || child.exitCode !== null) {
      await stopGroup(child);
      throw new Error(`${command} ${args.join(' ')} did not print "${options.ready}":\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { child, output: () => output, readyAfterMs: Date.now() - startedAt };
}

/** SIGTERM to the child's process group (npm and the node it runs); resolves with the exit code once it has exited. */
export async function stopGroup(child: ChildProcess | undefined): Promise<number | null> {
  if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  process.kill(-child.pid, 'SIGTERM');
  return exited;
}
