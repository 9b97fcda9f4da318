/**
 * Which stores the end-to-end suites run on. SQLite always; Redis when it answers at
 * REDIS_URL (default 127.0.0.1:6379). With CI set, Redis is required: its suites run
 * and fail rather than skip when it is missing. Probes once, when first imported.
 */
import { REDIS_URL, redisAnswers } from './redis.js';

export { REDIS_URL } from './redis.js';

export type StoreKind = 'sqlite' | 'redis';

export const redisIsReachable: boolean = await redisAnswers(REDIS_URL);

/** Skip a Redis suite only outside CI and only when Redis does not answer. */
export const skipRedis: boolean = !redisIsReachable && !process.env.CI;

export const STORE_KINDS: StoreKind[] = skipRedis ? ['sqlite'] : ['sqlite', 'redis'];

if (skipRedis) {
  console.warn(`Redis is unreachable at ${REDIS_URL}: suites run on SQLite only (set CI to make this a failure).`);
}
