/**
 * @kikuai/testkit: what the tests and benches of every package share. Private: no
 * published package depends on it. This entry includes the server harness, so it pulls
 * `@kikuai/server`; the subpath entries (`/http`, `/redis`, `/stores`, `/fake-telegram`,
 * `/fake-paddle`, `/products`, `/redis-process`) do not, and are what the SDK may use.
 */
export { startTestServer, TEST_BOT_TOKEN, type TestServer, type TestServerOptions } from './harness.js';
export { signInitData } from '@kikuai/server';
export { startFakeTelegram, FAKE_BOT_INFO, type FakeTelegram, type RecordedCall } from './fake-telegram.js';
export { recordProxiedCalls, type ProxiedCall } from './proxied-calls.js';
export { testProductsYaml, writeTestProductsFile, type TestProductsOptions } from './products.js';
export { startFakePaddle, signPaddleBody, type FakePaddle, type PaddleEvent, type PaddleTransaction, type PaddleCreateTransactionBody } from './fake-paddle.js';
export { startOwnRedis, redisCommand, redisServerAvailable, withOwnRedis, type OwnRedis } from './redis-process.js';
export { REDIS_URL, redisAnswers, uniqueRedisPrefix, deleteRedisPrefix } from './redis.js';
export { freePort, startRecordingServer, sendJson, gate, type RecordedRequest, type RecordingHandler, type RecordingServer } from './http.js';
