/**
 * A Redis of the test's own (`redis-server` on a free loopback port), for suites that
 * kill, pause or restart it (store outages). Without `redis-server` on the PATH those
 * suites skip with a message, unless CI is set: then they run and fail.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './http.js';

export const redisServerAvailable = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;

/** Runs the suite when redis-server exists, or always under CI (where its absence must fail); says so when it does not. */
export function withOwnRedis(): boolean {
  if (redisServerAvailable || process.env.CI) return true;
  console.warn('redis-server is not on the PATH: the Redis outage suites are skipped (set CI to make this a failure).');
  return false;
}

/** Sends one command in RESP and resolves with the raw reply; rejects if nothing answers. */
export function redisCommand(port: number, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    socket.setTimeout(2000);
    socket.once('connect', () => socket.write(`*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join('')}`));
    socket.on('data', (chunk) => {
      reply += String(chunk);
      if (reply.endsWith('\r\n')) {
        socket.end();
        resolve(reply.trim());
      }
    });
    socket.once('error', reject);
    socket.once('timeout', () => {
      socket.destroy();
      reject(new Error('redis did not answer'));
    });
  });
}

export interface OwnRedis {
  url: string;
  port: number;
  /** SIGKILL: no shutdown, no final save. */
  kill(): Promise<void>;
  /** Starts it again on the same port and directory, and waits until it answers PING. */
  start(): Promise<void>;
  /** Kills it and removes its directory. */
  stop(): Promise<void>;
}

/**
 * Starts redis-server on a free port with its files in a temp directory. `persistent`:
 * AOF with `appendfsync always`, so an acknowledged write survives a SIGKILL (what a
 * deployment that holds money should run; see deploy/).
 */
export async function startOwnRedis(options: { persistent: boolean }): Promise<OwnRedis> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'kikuai-redis-'));
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    options.persistent ? 'yes' : 'no',
    '--appendfsync',
    'always',
    '--logfile',
    path.join(dir, 'redis.log'),
  ];
  let child: ChildProcess | null = null;

  async function start() {
    const spawned = spawn('redis-server', args, { stdio: 'ignore' });
    child = spawned;
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (spawned.exitCode !== null) throw new Error(`redis-server exited with ${spawned.exitCode} (see ${dir}/redis.log)`);
      const answer = await redisCommand(port, 'PING').catch(() => '');
      if (answer === '+PONG') return;
      if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer PING within 10 s`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async function kill() {
    const running = child;
    child = null;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGKILL');
    await exited;
  }

  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    kill,
    start,
    async stop() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
