#!/usr/bin/env node
// The metered proxy's overhead, in one run, against the same local upstream:
//   direct        the upstream called directly (the floor)
//   bare proxy    a bare Fastify route forwarding with undici as kikuai forwards a small
//                 call (body and answer read whole): no auth, no metering
//   bare proxy + redis/sqlite read   the bare proxy after one store read: the floor of a
//                 proxy that must ask its store once per call
//   kikuai redis  POST /api/v1/proxy/http on the Redis store
//   kikuai sqlite the same on the embedded SQLite store
// 1. throughput and p50/p99 latency at concurrency 32 (autocannon);
// 2. sequentially, the median added latency over direct (7 rounds of 25 requests each,
//    the median of the round medians);
// 3. store round trips per proxied call (a counting wrapper around the store, and on
//    Redis around the ioredis client: every command or pipeline sent).
//
// Every server runs in its own child process, the load generator in this one.
//
//   npm run build -w @kikuai/server -w @kikuai/testkit
//   node bench/proxy.mjs [--duration 10] [--connections 32] [--json]
//   REDIS_URL=redis://127.0.0.1:6379 (default) — Redis is skipped if it does not answer.
import { createServer } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';
// Redis helpers from the test workspace, built (`npm run build -w @kikuai/testkit`).
import { deleteRedisPrefix, REDIS_URL } from '@kikuai/testkit/redis';
import {
  closeRedisCpu,
  reserveAlone,
  BENCH_OPTIONS,
  baselineFirst,
  baselineRatio,
  countRoundTrips,
  kikuaiTargets,
  measureInterleaved,
  printBaselineComparison,
  sequentialLatency,
  startChild,
  startStoreServers,
} from './lib.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const defaultDist = path.join(here, '../server/dist');

const UPSTREAM_BODY = JSON.stringify({
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Hello!' } }],
});
export const REQUEST_BODY = JSON.stringify({ target: 'openai', model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello' }] });

// The streamed call (`/proxy/llm`, a streaming endpoint): the upstream's events, and the
// time to its first byte through each target.
const STREAM_PATH = '/proxy/llm';
const STREAM_EVENTS = ['data: {"choices":[{"delta":{"content":"Hel"}}]}\n\n', 'data: {"choices":[{"delta":{"content":"lo!"}}]}\n\ndata: [DONE]\n\n'];
const STREAM_REST_AFTER_MS = 2;
const STREAM_BODY = JSON.stringify({ target: 'openai', model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'Hello' }] });

// ---------------------------------------------------------------------------------
// Child roles: each serves one thing and reports its URL over IPC.
// ---------------------------------------------------------------------------------

async function listen(server) {
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${server.address().port}`;
}

export async function serveUpstream() {
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      if (request.url === STREAM_PATH) {
        // A streamed answer as an LLM gives it: server-sent events, the first at once, the
        // rest a moment later (what a client waits for first is the first event).
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        response.write(STREAM_EVENTS[0]);
        setTimeout(() => response.end(STREAM_EVENTS[1]), STREAM_REST_AFTER_MS);
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(UPSTREAM_BODY) });
      response.end(UPSTREAM_BODY);
    });
  });
  server.keepAliveTimeout = 60_000;
  return { url: await listen(server) };
}

/** A throwaway SQLite file in WAL mode (synchronous NORMAL, as kikuai's), with `schema` applied. */
async function floorDatabase(schema) {
  const { default: Database } = await import('better-sqlite3');
  const dir = mkdtempSync(path.join(tmpdir(), 'kikuai-bench-floor-'));
  const db = new Database(path.join(dir, 'floor.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(schema);
  const cleanup = async () => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  };
  return { db, cleanup };
}

/**
 * The floor rows' store read: one round trip of the store's own client, reading two
 * fields of one record (Redis: HMGET through ioredis with auto-pipelining, as kikuai's
 * client; SQLite: one prepared point read through better-sqlite3 in WAL mode). It is
 * the least any authenticated request can cost, since each must ask the store once.
 */
async function storeRead(kind) {
  if (!kind) return { storeCall: null, cleanup: async () => {} };
  if (kind.endsWith('-write')) return storeCharge(kind);
  if (kind === 'redis') {
    const { Redis } = await import('ioredis');
    const client = new Redis(REDIS_URL, { enableAutoPipelining: true });
    const key = `kikuai-bench:${process.pid}:{floor}:account`;
    await client.hset(key, 'rev', '1', 'balance_micros', '1000000000000');
    return {
      storeCall: () => client.hmget(key, 'rev', 'balance_micros'),
      cleanup: async () => {
        await client.del(key);
        client.disconnect();
      },
    };
  }
  const { db, cleanup } = await floorDatabase('CREATE TABLE accounts (id TEXT PRIMARY KEY, rev INTEGER NOT NULL, balance_micros INTEGER NOT NULL)');
  db.prepare('INSERT INTO accounts VALUES (?, ?, ?)').run('acc_floor', 1, 1_000_000_000_000);
  const statement = db.prepare('SELECT rev, balance_micros FROM accounts WHERE id = ?');
  return { storeCall: async () => statement.get('acc_floor'), cleanup };
}

/**
 * The write floors (`<store>-write`): instead of a read, the charge itself as the money
 * issues require it before a call is forwarded, and nothing else: the call's reference
 * claimed once, the balance and the ledger sequence moved, the ledger entry appended, the
 * open reservation recorded. No key check, rate limits, spend limit, settlement or usage.
 * Redis: one script (EVALSHA through ioredis with auto-pipelining). SQLite: the calls of
 * one event-loop turn in one transaction (WAL, synchronous NORMAL), as kikuai commits.
 * The issue's floors are reads; these say what the write that every call must make costs.
 */
const CHARGE_SCRIPT = `
if redis.call('HSETNX', KEYS[3], ARGV[1], '1') == 0 then return -1 end
local head = redis.call('HMGET', KEYS[1], 'balance_micros', 'ledger_seq')
local seq = (tonumber(head[2]) or 0) + 1
local new = tonumber(head[1]) - tonumber(ARGV[2])
redis.call('HSET', KEYS[1], 'balance_micros', string.format('%d', new), 'ledger_seq', string.format('%d', seq))
redis.call('ZADD', KEYS[2], seq, ARGV[3] .. string.format('%d', new) .. '"}')
redis.call('HSET', KEYS[4], ARGV[1], ARGV[4])
return new`;

async function storeCharge(kind) {
  let calls = 0;
  const entryHead = (ref) =>
    `${JSON.stringify({ id: `led_${process.pid}_${calls}`, kind: 'debit', amount_micros: '-1', reason: 'reliapi/http call', external_ref: ref, created_at: new Date().toISOString() }).slice(0, -1)},"balance_after_micros":"`;
  const reservation = () =>
    JSON.stringify({ state: 'reserved', reserved_ms: Date.now(), price_micros: 1, key_id: 'key_floor', product_id: 'reliapi', endpoint: 'http' });
  if (kind === 'redis-write') {
    const { Redis } = await import('ioredis');
    const client = new Redis(REDIS_URL, { enableAutoPipelining: true });
    client.defineCommand('charge', { numberOfKeys: 4, lua: CHARGE_SCRIPT });
    const tag = `kikuai-bench:${process.pid}:{floor}`;
    const keys = [`${tag}:account`, `${tag}:ledger`, `${tag}:ledger_refs`, `${tag}:calls`];
    await client.hset(keys[0], 'balance_micros', '1000000000000', 'ledger_seq', '0');
    return {
      storeCall: () => {
        const ref = `call:${++calls}`;
        return client.charge(...keys, ref, 1, entryHead(ref), reservation());
      },
      cleanup: async () => {
        await client.del(...keys);
        client.disconnect();
      },
    };
  }
  const { db, cleanup } = await floorDatabase(`CREATE TABLE accounts (id TEXT PRIMARY KEY, balance_micros INTEGER NOT NULL, ledger_seq INTEGER NOT NULL);
    CREATE TABLE ledger (account_id TEXT NOT NULL, seq INTEGER NOT NULL, entry TEXT NOT NULL, external_ref TEXT UNIQUE, PRIMARY KEY (account_id, seq));
    CREATE TABLE reserved_calls (ref TEXT PRIMARY KEY, account_id TEXT NOT NULL, record TEXT NOT NULL);`);
  db.prepare('INSERT INTO accounts VALUES (?, ?, 0)').run('acc_floor', 1_000_000_000_000);
  const advance = db.prepare(
    'UPDATE accounts SET balance_micros = balance_micros - ?, ledger_seq = ledger_seq + 1 WHERE id = ? RETURNING balance_micros, ledger_seq',
  );
  const append = db.prepare('INSERT INTO ledger VALUES (?, ?, ?, ?)');
  const reserve = db.prepare('INSERT INTO reserved_calls VALUES (?, ?, ?)');
  const chargeAll = db.transaction((refs) =>
    refs.map((ref) => {
      const { balance_micros: balance, ledger_seq: seq } = advance.get(1, 'acc_floor');
      append.run('acc_floor', seq, `${entryHead(ref)}${balance}"}`, ref);
      reserve.run(ref, 'acc_floor', reservation());
      return balance;
    }),
  );
  let waiting = [];
  const flush = () => {
    const batch = waiting;
    waiting = [];
    const balances = chargeAll(batch.map(({ ref }) => ref));
    batch.forEach(({ resolve }, index) => resolve(balances[index]));
  };
  return {
    storeCall: () =>
      new Promise((resolve) => {
        if (waiting.push({ ref: `call:${++calls}`, resolve }) === 1) setImmediate(flush);
      }),
    cleanup,
  };
}

/** The bare proxy; with `store`, it first makes one store read (a floor row), or with `<store>-write` the charge. */
async function serveBareProxy(upstreamUrl, store) {
  const { default: Fastify } = await import(pathToFileURL(path.join(here, '../node_modules/fastify/fastify.js')).href);
  const { Pool } = await import('undici');
  const pool = new Pool(upstreamUrl, { connections: 256, keepAliveTimeout: 30_000 });
  const app = Fastify({ logger: false });
  // Like kikuai's proxy routes: the body is not parsed by Fastify.
  app.addContentTypeParser('application/json', (_request, _payload, done) => done(null));
  const { storeCall, cleanup } = await storeRead(store);
  // Forwarded as kikuai forwards a call: the body read whole and sent upstream with the
  // headers in one write. (Streaming the body made this baseline swing between ~70 and
  // ~140 µs of CPU per call from run to run, depending on whether the body had arrived
  // when the upstream request started.)
  const forward = async (request, upstreamPath) => {
    const body = await readWhole(request.raw);
    if (storeCall) await storeCall();
    return pool.request({
      method: 'POST',
      path: upstreamPath,
      headers: { 'content-type': request.headers['content-type'], 'content-length': request.headers['content-length'] },
      body,
    });
  };
  // A small answer is read whole and sent in one write.
  app.post('/proxy/http', async (request, reply) => {
    const upstream = await forward(request, '/proxy/http');
    const answer = Buffer.from(await upstream.body.arrayBuffer());
    return reply.code(upstream.statusCode).header('content-type', upstream.headers['content-type']).send(answer);
  });
  // A streamed answer is passed on as it arrives, as kikuai passes on events.
  app.post(STREAM_PATH, async (request, reply) => {
    const upstream = await forward(request, STREAM_PATH);
    return reply.code(upstream.statusCode).header('content-type', upstream.headers['content-type']).send(upstream.body);
  });
  return { url: await app.listen({ port: 0, host: '127.0.0.1' }), cleanup };
}

/** A request body, whole (event listeners, as kikuai's proxy reads small bodies). */
function readWhole(stream) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    stream.on('data', (chunk) => chunks.push(chunk));
    stream.once('end', () => resolve(Buffer.concat(chunks)));
    stream.once('error', reject);
  });
}

/** bench/balance.mjs's bare route: Fastify, one route, the same Balance JSON as kikuai's; with `store`, after one store read (a floor row). */
const BALANCE = {
  balance_micros: 1_000_000_000_000,
  balance_usd: '1000000.000000',
  currency: 'USD',
  low_balance_threshold_micros: 1_000_000,
  low_balance: false,
  account_status: 'active',
};
async function serveBareBalance(store) {
  const { default: Fastify } = await import(pathToFileURL(path.join(here, '../node_modules/fastify/fastify.js')).href);
  const app = Fastify({ logger: false });
  const { read, cleanup } = await storeRead(store);
  if (read) {
    app.get('/api/v1/balance', async () => {
      await read();
      return BALANCE;
    });
  } else app.get('/api/v1/balance', async () => BALANCE);
  return { url: await app.listen({ port: 0, host: '127.0.0.1' }), cleanup };
}

/** Counts store method calls, and on Redis every command or pipeline the client sends. */
function countingStore(store, counters) {
  return new Proxy(store, {
    get(target, property) {
      const value = Reflect.get(target, property);
      if (typeof value !== 'function' || property === 'close') return typeof value === 'function' ? value.bind(target) : value;
      return (...args) => {
        counters.storeCalls++;
        counters.byMethod[property] = (counters.byMethod[property] ?? 0) + 1;
        return value.apply(target, args);
      };
    },
  });
}

function countingRedisClient(client, counters) {
  const sendCommand = client.sendCommand.bind(client);
  client.sendCommand = (command, ...rest) => {
    counters.redisCommands++;
    return sendCommand(command, ...rest);
  };
  for (const kind of ['pipeline', 'multi']) {
    const original = client[kind].bind(client);
    client[kind] = (...args) => {
      const pipeline = original(...args);
      const exec = pipeline.exec.bind(pipeline);
      pipeline.exec = (...execArgs) => {
        counters.redisCommands++;
        return exec(...execArgs);
      };
      return pipeline;
    };
  }
  return client;
}

export async function serveKikuai(storeKind, upstreamUrl, dist = defaultDist) {
  const { buildApp } = await import(pathToFileURL(path.join(dist, 'app.js')).href);
  const { loadConfig } = await import(pathToFileURL(path.join(dist, 'config.js')).href);
  const { RedisStore, SqliteStore } = await import(pathToFileURL(path.join(dist, 'store/index.js')).href);
  const { generateApiKey } = await import(pathToFileURL(path.join(dist, 'auth/api-key.js')).href);
  const { newKeyId } = await import(pathToFileURL(path.join(dist, 'store/ids.js')).href);

  const dir = mkdtempSync(path.join(tmpdir(), 'kikuai-bench-'));
  const productsFile = path.join(dir, 'products.yaml');
  writeFileSync(
    productsFile,
    `products:
  - id: reliapi
    name: ReliAPI
    status: live
    upstream_url_env: RELIAPI_URL
    credential: { header: Authorization, scheme: Bearer, env: RELIAPI_API_KEY }
    timeout_ms: 30000
    rate_limit: { requests: 1000000, window_seconds: 1 }
    endpoints:
      - { id: llm, path: /proxy/llm, price_micros: 1, streaming: true }
      - { id: http, path: /proxy/http, price_micros: 1, streaming: false }
`,
  );
  const prefix = `kikuai-bench:${process.pid}:`;
  const config = loadConfig({
    KIKUAI_DATA_DIR: dir,
    KIKUAI_PRODUCTS_FILE: productsFile,
    KIKUAI_RATE_LIMIT_PER_KEY: '1000000',
    KIKUAI_RATE_LIMIT_PER_ACCOUNT: '1000000',
    KIKUAI_RATE_LIMIT_WINDOW_SECONDS: '1', // 10^6 a second: never reached, and within the bounds the config accepts
    RELIAPI_URL: upstreamUrl,
    RELIAPI_API_KEY: 'bench-upstream-credential',
  });
  const counters = { storeCalls: 0, redisCommands: 0, byMethod: {} };
  let raw;
  let redisClient = null;
  if (storeKind === 'redis') {
    const { Redis } = await import('ioredis');
    redisClient = countingRedisClient(new Redis(REDIS_URL, { maxRetriesPerRequest: 3, enableAutoPipelining: true }), counters);
    raw = new RedisStore(redisClient, { keyPrefix: prefix });
  } else {
    raw = new SqliteStore(path.join(dir, 'kikuai.db'));
  }
  const key = generateApiKey();
  const now = new Date().toISOString();
  const { account } = await raw.register(
    { id: 700_000_000 + (process.pid % 1_000_000), username: 'bench' },
    { id: newKeyId(), name: 'bench', prefix: key.prefix, last_four: key.last_four, hash: key.hash },
    now,
  );
  await raw.applyLedger({ account_id: account.id, kind: 'credit', amount_micros: 1_000_000_000_000, reason: 'bench credit', external_ref: 'bench' }, now);

  // The shipped logger (one access line per request, at info): its cost is what users pay.
  // The child's stdout goes to a file (startChild), as a deployment's goes to its log collector.
  // BENCH_LOGGING=off: no logger at all, to compare a change with a base whose logging differs.
  const app = await buildApp({ config, store: countingStore(raw, counters), ...(process.env.BENCH_LOGGING === 'off' ? { logger: false } : {}) });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  const reset = () => {
    counters.storeCalls = 0;
    counters.redisCommands = 0;
    counters.byMethod = {};
  };
  const cleanup = async () => {
    await app.close();
    if (redisClient) {
      await deleteRedisPrefix(REDIS_URL, prefix);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  // RESERVE alone (lib.mjs reserveAlone): the store's reserve of this key's calls, as the
  // metered call makes it (key, account and product rate rules), 32 in flight.
  const { keyBucket, productBucket } = await import(pathToFileURL(path.join(dist, 'store/logic.js')).href);
  let loops = 0;
  const reserveLoop = async (calls) => {
    const keyId = (await raw.listKeys(account.id))[0].id;
    const window_ms = 1000;
    const rules = [
      { bucket: keyBucket(keyId), limit: 1_000_000, window_ms },
      { bucket: 'account', limit: 1_000_000, window_ms },
      { bucket: productBucket('reliapi'), limit: 1_000_000, window_ms },
    ];
    const loop = ++loops;
    let next = 0;
    const worker = async () => {
      while (next < calls) {
        const call = next++;
        const now = new Date();
        const result = await raw.reserve(
          {
            account_id: account.id,
            key_id: keyId,
            hash: key.hash,
            now_ms: now.getTime(),
            rate_limits: rules,
            product_id: 'reliapi',
            price_micros: 1,
            external_ref: `call:bench-${loop}-${call}`,
            reason: 'reliapi/http call',
            endpoint: 'http',
          },
          now.toISOString(),
        );
        if (!result.ok) throw new Error(`reserve refused: ${JSON.stringify(result)}`);
      }
    };
    await Promise.all(Array.from({ length: 32 }, worker));
    return calls;
  };
  return { url, apiKey: key.secret, accountId: account.id, counters, reset, cleanup, reserveLoop };
}

/** Runs in a child: serve, then answer the parent's counter requests. */
async function childMain(role, args) {
  process.once('disconnect', () => process.exit(0)); // the parent is gone: do not linger
  let served;
  if (role === 'upstream') served = await serveUpstream();
  else if (role === 'bare-proxy') served = await serveBareProxy(args.upstream, args.store);
  else if (role === 'bare-balance') served = await serveBareBalance(args.store);
  else
    served = await serveKikuai(
      role === 'kikuai-redis' ? 'redis' : 'sqlite',
      args.upstream,
      args.dist ? path.join(path.resolve(args.dist), 'server/dist') : undefined,
    );
  process.on('message', async (message) => {
    if (message === 'reset') {
      served.reset?.();
      process.send({ reset: true });
    } else if (message === 'counters') {
      // Let the batched writers (usage each second, key last-used each 5 s) flush first.
      process.send({ counters: served.counters ?? null });
    } else if (typeof message === 'string' && message.startsWith('reserve-loop:')) {
      process.send({ reserved: await served.reserveLoop(Number(message.slice('reserve-loop:'.length))) });
    } else if (message === 'cpu') {
      process.send({ cpu: process.cpuUsage() });
    } else if (message === 'profile-start' || message === 'profile-stop') {
      // CPU profile of the loaded period only (bench/exp*.mjs and --profile): written as a .cpuprofile.
      const inspector = await import('node:inspector');
      if (message === 'profile-start') {
        served.session = new inspector.Session();
        served.session.connect();
        await new Promise((resolve) => served.session.post('Profiler.enable', () => served.session.post('Profiler.start', resolve)));
        process.send({ profiling: true });
      } else {
        const file = path.join(tmpdir(), `kikuai-bench-${role}-${process.pid}.cpuprofile`);
        await new Promise((resolve) =>
          served.session.post('Profiler.stop', (error, result) => {
            writeFileSync(file, JSON.stringify(result.profile));
            resolve();
          }),
        );
        process.send({ profile: file });
      }
    } else if (message === 'stop') {
      await served.cleanup?.();
      process.exit(0);
    }
  });
  process.send({ url: served.url, apiKey: served.apiKey, accountId: served.accountId, pid: process.pid });
}

/** Issue 15's targets for the metered call, each against its figure in this run (the kikuai rows only). */
function printTargets(rows, reserves) {
  const lines = [];
  const check = (what, value, shown, goal, met) => lines.push(`- ${what}: ${shown(value)} (target ${goal}): ${met(value) ? 'met' : 'not met'}`);
  const times = (value) => `${value.toFixed(2)}×`;
  const percent = (value) => `${(value * 100).toFixed(0)} %`;
  for (const row of rows.filter((row) => row.target.startsWith('kikuai ') && !row.target.endsWith('@baseline'))) {
    const onRedis = row.target.includes('redis');
    const seqGoal = onRedis ? 2 : 1.6;
    check(`${row.target}, sequential added median × the bare proxy's`, row.added_vs_bare, times, `≤ ${seqGoal}×`, (v) => v <= seqGoal);
    check(`${row.target}, sequential p99 × the bare proxy's`, row.p99_vs_bare, times, '≤ 2×', (v) => v <= 2);
    check(`${row.target}, throughput at 32 connections vs its floor`, row.vs_floor, percent, '≥ 70 %', (v) => v >= 0.7);
    check(`${row.target}, stream's first byte, added × the bare proxy's`, row.stream_added_vs_bare, times, '≤ 1.6×', (v) => v <= 1.6);
    const reserve = reserves.get(row.target);
    if (reserve)
      check(
        `${row.target}, Redis time per RESERVE (alone)`,
        reserve.scriptMicros,
        (v) => `${v.toFixed(1)} µs`,
        '≤ 30 µs',
        (v) => v <= 30,
      );
  }
  if (lines.length > 0) console.log(`\nIssue 15's targets for the metered call, in this run:\n${lines.join('\n')}`);
}

const fmt = (value, digits = 2) => (value === undefined || value === null ? '—' : Number(value).toFixed(digits));

async function main() {
  const { values } = parseArgs({ options: { ...BENCH_OPTIONS } });
  const duration = Number(values.duration);
  const rounds = Number(values.rounds);
  const connections = Number(values.connections);
  const script = fileURLToPath(import.meta.url);

  const upstream = await startChild(script, 'upstream');
  const bare = await startChild(script, 'bare-proxy', { upstream: upstream.url });
  const servers = await startStoreServers(script, values, { floorRole: 'bare-proxy', floorArgs: { upstream: upstream.url }, upstream });
  const { stores, floors, kikuai, baselines } = servers;
  // The write floors (storeCharge): the charge a call must make, in place of the read.
  const chargeFloors = [];
  for (const store of stores) chargeFloors.push(await startChild(script, 'bare-proxy', { upstream: upstream.url, store: `${store}-write` }));

  const json = { 'content-type': 'application/json' };
  let targets = [
    { name: 'direct', server: upstream, url: `${upstream.url}/proxy/http`, method: 'POST', headers: json, body: REQUEST_BODY },
    { name: 'bare proxy', server: bare, url: `${bare.url}/proxy/http`, method: 'POST', headers: json, body: REQUEST_BODY },
    ...floors.map((child, index) => ({
      name: `bare proxy + ${stores[index]} read`,
      server: child,
      url: `${child.url}/proxy/http`,
      method: 'POST',
      headers: json,
      body: REQUEST_BODY,
    })),
    ...chargeFloors.map((child, index) => ({
      name: `bare proxy + ${stores[index]} charge`,
      server: child,
      url: `${child.url}/proxy/http`,
      method: 'POST',
      headers: json,
      body: REQUEST_BODY,
    })),
    ...kikuaiTargets(
      servers,
      (store) => `bare proxy + ${store} read`,
      (child) => ({ url: `${child.url}/api/v1/proxy/http`, method: 'POST', headers: { ...json, authorization: `Bearer ${child.apiKey}` }, body: REQUEST_BODY }),
    ).map((target) => ({ ...target, chargeFloor: `bare proxy + ${target.name.split(' ')[1]} charge` })),
  ];

  if (values['baseline-first']) targets = baselineFirst(targets);
  console.error(`Load: ${rounds} rounds of ${duration} s at concurrency ${connections} per target, interleaved (after a 2 s warm-up each)…`);
  const load = await measureInterleaved(targets, { duration, connections, rounds });
  console.error('Sequential latency: 7 rounds × 25 requests…');
  const latency = await sequentialLatency(targets, { perRound: 50 });
  console.error('Streams, time to first byte: 7 rounds × 25 requests…');
  const streamTargets = targets.map((target) => ({
    ...target,
    url: target.url.replace(/\/proxy\/http$/, STREAM_PATH),
    body: STREAM_BODY,
  }));
  const streams = await sequentialLatency(streamTargets);
  const reserves = new Map();
  for (const target of targets.filter((target) => target.child && target.name.includes('redis'))) {
    console.error(`RESERVE alone (${target.name}): 20,000 calls of the store, 32 in flight…`);
    reserves.set(target.name, await reserveAlone(target.child));
  }
  const roundTrips = new Map();
  for (const target of targets.filter((target) => target.child)) roundTrips.set(target.name, await countRoundTrips(target.child, target));

  const bareRps = load.get('bare proxy').rps;
  const bareCpu = load.get('bare proxy').cpuMicros;
  const direct = latency.get('direct').median;
  const directStream = streams.get('direct').firstByte;
  const bareAdded = latency.get('bare proxy').median - direct;
  const bareP99 = latency.get('bare proxy').p99;
  const bareStreamAdded = streams.get('bare proxy').firstByte - directStream;
  const rows = targets.map((target) => {
    const figures = load.get(target.name);
    const trips = roundTrips.get(target.name);
    return {
      target: target.name,
      rps: Math.round(figures.rps),
      p50_ms: figures.p50,
      p99_ms: figures.p99,
      vs_bare: target.name === 'direct' ? null : figures.rps / bareRps,
      vs_floor: target.floor ? figures.rps / load.get(target.floor).rps : null,
      vs_charge_floor: target.chargeFloor ? figures.rps / load.get(target.chargeFloor).rps : null,
      vs_baseline: baselineRatio(load, target),
      server_cpu_us_per_request: figures.cpuMicros,
      redis_cpu_us_per_request: figures.redisMicros,
      redis_script_us_per_call: figures.scriptMicros,
      cpu_vs_bare: target.name === 'direct' ? null : bareCpu / figures.cpuMicros,
      seq_median_ms: latency.get(target.name).median,
      added_ms: target.name === 'direct' ? null : latency.get(target.name).median - direct,
      added_vs_bare: target.name === 'direct' ? null : (latency.get(target.name).median - direct) / bareAdded,
      seq_p99_ms: latency.get(target.name).p99,
      p99_vs_bare: latency.get(target.name).p99 / bareP99,
      stream_first_byte_ms: streams.get(target.name).firstByte,
      stream_added_ms: target.name === 'direct' ? null : streams.get(target.name).firstByte - directStream,
      stream_added_vs_bare: target.name === 'direct' ? null : (streams.get(target.name).firstByte - directStream) / bareStreamAdded,
      store_round_trips_per_call: trips ? trips.storeCallsPerCall : null,
      store_calls_per_call: trips?.byMethod ?? null,
      with_batches_per_call: trips?.withBatchesPerCall ?? null,
    };
  });

  if (values.json)
    console.log(JSON.stringify({ duration, rounds, connections, node: process.version, rows, reserve_alone: Object.fromEntries(reserves) }, null, 2));
  else {
    console.log(
      `\nkikuai proxy benchmark — node ${process.version}, medians of ${rounds} interleaved rounds of ${duration} s at concurrency ${connections}, loopback\n`,
    );
    console.log(
      "| target | req/s | p50 ms | p99 ms | vs bare proxy | vs bare proxy + same store read | vs bare proxy + same store's charge | server CPU µs / req | bare's CPU / this | Redis CPU µs / req | Redis script µs / call | seq. median ms | added over direct ms | store round trips / call |",
    );
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const row of rows) {
      console.log(
        `| ${row.target} | ${row.rps} | ${row.p50_ms} | ${row.p99_ms} | ${row.vs_bare === null ? '—' : `${fmt(row.vs_bare * 100, 0)} %`} | ${row.vs_floor === null ? '—' : `${fmt(row.vs_floor * 100, 0)} %`} | ${row.vs_charge_floor === null ? '—' : `${fmt(row.vs_charge_floor * 100, 0)} %`} | ${fmt(row.server_cpu_us_per_request, 0)} | ${row.cpu_vs_bare === null ? '—' : `${fmt(row.cpu_vs_bare * 100, 0)} %`} | ${fmt(row.redis_cpu_us_per_request, 0)} | ${fmt(row.redis_script_us_per_call, 0)} | ${fmt(row.seq_median_ms, 3)} | ${row.added_ms === null ? '—' : fmt(row.added_ms, 3)} | ${row.store_round_trips_per_call === null ? '—' : `${fmt(row.store_round_trips_per_call)} (${fmt(row.with_batches_per_call, 3)} with batched usage)`} |`,
      );
    }
    console.log(
      `\nOne request at a time (one keep-alive connection; ${7 * 50} calls, and ${7 * 25} streamed calls, per target; "× bare" is the ratio to the bare proxy's same figure):\n`,
    );
    console.log(
      '| target | median ms | added over direct ms | added × bare | p99 ms | p99 × bare | stream: first byte ms | first byte added over direct ms | first byte added × bare |',
    );
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
    const times = (value) => (value === null ? '—' : `${fmt(value, 1)}×`);
    for (const row of rows) {
      console.log(
        `| ${row.target} | ${fmt(row.seq_median_ms, 3)} | ${row.added_ms === null ? '—' : fmt(row.added_ms, 3)} | ${times(row.added_vs_bare)} | ${fmt(row.seq_p99_ms, 3)} | ${times(row.p99_vs_bare)} | ${fmt(row.stream_first_byte_ms, 3)} | ${row.stream_added_ms === null ? '—' : fmt(row.stream_added_ms, 3)} | ${times(row.stream_added_vs_bare)} |`,
      );
    }
    for (const [name, reserve] of reserves)
      console.log(
        `\n${name}: RESERVE alone, ${reserve.calls} calls of the store with 32 in flight and no HTTP load: ${fmt(reserve.scriptMicros, 1)} µs of Redis time per script call (INFO commandstats)`,
      );
    for (const row of rows.filter((row) => row.store_calls_per_call))
      console.log(`\n${row.target}: store calls per proxied call ${JSON.stringify(row.store_calls_per_call)}`);
    printTargets(rows, reserves);
    printBaselineComparison(rows, values.baseline);
  }

  await Promise.all([upstream, bare, ...floors, ...chargeFloors, ...kikuai, ...baselines].map((child) => child.stop()));
  await closeRedisCpu();
}

const invokedAs = process.argv[1] ? pathToFileURL(path.resolve(process.argv[1])).href : '';
if (invokedAs === import.meta.url) {
  const { values } = parseArgs({
    options: { role: { type: 'string' }, upstream: { type: 'string' }, store: { type: 'string' }, dist: { type: 'string' } },
    strict: false,
  });
  if (values.role) await childMain(values.role, values);
  else await main();
}
