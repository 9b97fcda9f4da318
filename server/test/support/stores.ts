/**
 * Which stores the end-to-end suites run on. SQLite always; Redis when it answers at
 * REDIS_URL (default 127.0.0.1:6379). With CI set, Redis is required: its suites run
 * and fail rather than skip when it is missing.
 */
import { createConnection } from 'node:net';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

async function reachable(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = createConnection({ host: hostname, port: Number(port || 6379) });
    socket.setTimeout(1000);
    socket.once('connect', () => { socket.end(); resolve(true); });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => { socket.destroy(); resolve(false); });
  });
}

export const redisIsReachable = await reachable(REDIS_URL);

export const STORE_KINDS: Array<'sqlite' | 'redis'> = redisIsReachable || process.env.CI ? ['sqlite', 'redis'] : ['sqlite'];

if (!redisIsReachable && !process.env.CI) {
  console.warn(`Redis is unreachable at ${REDIS_URL}: end-to-end suites run on SQLite only (set CI to make this a failure).`);
}
