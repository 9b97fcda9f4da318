// What the server benchmarks (proxy.mjs, balance.mjs) share: their children (one server per
// child process, started from the bench's own script), the interleaved load and its figures,
// the --baseline comparison.
import { fork } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REDIS_URL, redisAnswers } from '@kikuai/testkit/redis';
import { layerTable } from './profile-layers.mjs';

let children = 0;

export function startChild(script, role, args = {}, env = {}) {
  // A kikuai server logs as shipped (a line per request): into a file, deleted when it stops.
  const logFile = role.startsWith('kikuai') ? path.join(tmpdir(), `kikuai-bench-${role}-${process.pid}-${++children}.log`) : null;
  const stdout = logFile ? openSync(logFile, 'w') : 'inherit';
  const child = fork(script, ['--role', role, ...Object.entries(args).flatMap(([name, value]) => [`--${name}`, value])], {
    env: { ...process.env, ...env },
    stdio: ['ignore', stdout, 'inherit', 'ipc'],
    execArgv: process.env.BENCH_CHILD_NODE_OPTIONS ? process.env.BENCH_CHILD_NODE_OPTIONS.split(' ') : [],
  });
  const request = (message, field) =>
    new Promise((resolve, reject) => {
      const onExit = (code) => reject(new Error(`${role} exited with ${code}`));
      const onMessage = (reply) => {
        if (field in reply) {
          child.off('message', onMessage);
          child.off('exit', onExit);
          resolve(reply);
        }
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
      if (message) child.send(message);
    });
  return request(null, 'url').then((ready) => ({
    ...ready,
    role,
    reset: () => request('reset', 'reset'),
    counters: async () => (await request('counters', 'counters')).counters,
    profileStart: () => request('profile-start', 'profiling'),
    cpu: async () => (await request('cpu', 'cpu')).cpu,
    profileStop: async () => (await request('profile-stop', 'profile')).profile,
    reserveLoop: async (calls) => (await request(`reserve-loop:${calls}`, 'reserved')).reserved,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', (code) => {
          if (logFile) {
            closeSync(stdout);
            rmSync(logFile, { force: true });
          }
          resolve(code);
        });
        child.send('stop');
      }),
  }));
}

export async function loadTest(target, { duration, connections, warmup = 2 }) {
  const { default: autocannon } = await import('autocannon');
  const options = { url: target.url, method: target.method, headers: target.headers, body: target.body, connections, pipelining: 1 };
  await autocannon({ ...options, duration: warmup });
  const result = await autocannon({ ...options, duration });
  const failures = result.non2xx + result.errors + result.timeouts;
  if (failures > 0) console.error(`  ! ${target.name}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`);
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, requests: result.requests.total };
}

/**
 * Loads every target in turn, `rounds` times over (round-robin, so that a change in the
 * machine's load affects every target alike), after a warm-up of each. Per target: the
 * median over rounds of req/s, p50 and p99, and of the server's CPU time per request
 * (user + system of its process, read before and after each run).
 */
export async function measureInterleaved(targets, { duration, connections, rounds }) {
  for (const target of targets) await loadTest(target, { duration: 2, connections, warmup: 0 });
  // BENCH_PROFILE=1: a CPU profile of each kikuai server over its measured runs only;
  // BENCH_PROFILE=all: of every server (the floors too), for a layer-by-layer comparison.
  const profiled = !process.env.BENCH_PROFILE
    ? []
    : targets.filter((target) => (process.env.BENCH_PROFILE === 'all' ? target.server?.profileStart : target.child));
  for (const target of profiled) await target.server.profileStart();
  const runs = new Map(targets.map((target) => [target.name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const target of targets) {
      const onRedis = target.name.includes('redis');
      const redisBefore = onRedis ? await redisCpu() : null;
      const before = await target.server.cpu();
      const figures = await loadTest(target, { duration, connections, warmup: 0 });
      const after = await target.server.cpu();
      if (onRedis) {
        const redisAfter = await redisCpu();
        // Redis's own CPU (the process, user + system) per request, and the scripts' time per script call (RESERVE on the metered call).
        figures.redisMicros = (redisAfter.cpuMicros - redisBefore.cpuMicros) / figures.requests;
        const scriptCalls = redisAfter.scriptCalls - redisBefore.scriptCalls;
        figures.scriptMicros = scriptCalls > 0 ? (redisAfter.scriptMicros - redisBefore.scriptMicros) / scriptCalls : null;
      }
      figures.cpuMicros = (after.user + after.system - before.user - before.system) / figures.requests;
      figures.userMicros = (after.user - before.user) / figures.requests;
      figures.systemMicros = (after.system - before.system) / figures.requests;
      runs.get(target.name).push(figures);
    }
  }
  if (profiled.length > 0) {
    const columns = [];
    for (const target of profiled) {
      const file = await target.server.profileStop();
      console.error(`CPU profile of ${target.name}: ${file}`);
      const requests = runs.get(target.name).reduce((sum, run) => sum + run.requests, 0);
      columns.push({ name: target.name, profile: JSON.parse(readFileSync(file, 'utf8')), requests });
    }
    // Self time by layer, per request served while profiled (bench/profile-layers.mjs).
    console.error(`\nWhere each server's CPU went (self time per request, by layer; the profile's share in brackets):\n\n${layerTable(columns)}\n`);
  }
  return new Map(
    [...runs].map(([name, list]) => [
      name,
      {
        rps: median(list.map((run) => run.rps)),
        p50: median(list.map((run) => run.p50)),
        p99: median(list.map((run) => run.p99)),
        cpuMicros: median(list.map((run) => run.cpuMicros)),
        userMicros: median(list.map((run) => run.userMicros)),
        redisMicros: list[0].redisMicros === undefined ? null : median(list.map((run) => run.redisMicros)),
        scriptMicros: list[0].scriptMicros == null ? null : median(list.map((run) => run.scriptMicros)),
        systemMicros: median(list.map((run) => run.systemMicros)),
        rounds: list.length,
      },
    ]),
  );
}

let redisClient = null;
/** Redis's CPU so far (INFO cpu) and its scripts' calls and time (INFO commandstats: EVALSHA and EVAL), in µs. */
async function redisCpu() {
  if (!redisClient) {
    const { Redis } = await import('ioredis');
    redisClient = new Redis(REDIS_URL);
  }
  const cpu = await redisClient.info('cpu');
  const seconds = (name) => Number(new RegExp(`${name}:([0-9.]+)`).exec(cpu)?.[1] ?? 0);
  const stats = await redisClient.info('commandstats');
  let scriptCalls = 0;
  let scriptMicros = 0;
  for (const match of stats.matchAll(/cmdstat_(evalsha|eval):calls=(\d+),usec=(\d+)/g)) {
    scriptCalls += Number(match[2]);
    scriptMicros += Number(match[3]);
  }
  return { cpuMicros: (seconds('used_cpu_user') + seconds('used_cpu_sys')) * 1e6, scriptCalls, scriptMicros };
}

/**
 * RESERVE on its own: the kikuai Redis server's store reserves `calls` metered calls of
 * its bench key (32 in flight, the rate rules of a call, nothing else running), and the
 * scripts' time per call is read from `INFO commandstats` around it. Under the HTTP load
 * Redis shares the two vCPUs with the servers and the load generator, and commandstats
 * counts the time it is descheduled mid-script as the script's; here it has a core.
 */
export async function reserveAlone(child, calls = 20_000) {
  await child.reserveLoop(2_000); // warm-up
  const before = await redisCpu();
  const reserved = await child.reserveLoop(calls);
  const after = await redisCpu();
  return { calls: reserved, scriptMicros: (after.scriptMicros - before.scriptMicros) / (after.scriptCalls - before.scriptCalls) };
}

export async function closeRedisCpu() {
  await redisClient?.quit();
  redisClient = null;
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

/** The value below which `share` of the values lie (nearest rank). */
const percentile = (values, share) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(share * sorted.length) - 1)];
};

/**
 * Sequential requests on one keep-alive connection per target, interleaved by round (7
 * rounds of 25 by default). Per target: `median`, the median of the round medians of the
 * whole request (answer read to its end); `p99` over every sample; `firstByte`, the same
 * median for the time until the first byte of the body arrived (what a client of a stream
 * waits for).
 */
export async function sequentialLatency(targets, { rounds = 7, perRound = 25 } = {}) {
  const { Pool } = await import('undici');
  const pools = new Map(targets.map((target) => [target.name, new Pool(new URL(target.url).origin, { connections: 1, pipelining: 1 })]));
  const figures = new Map(targets.map((target) => [target.name, { roundMedians: [], firstByteMedians: [], samples: [] }]));
  const once = async (target) => {
    const url = new URL(target.url);
    const started = process.hrtime.bigint();
    const response = await pools
      .get(target.name)
      .request({ method: target.method, path: url.pathname + url.search, headers: target.headers, body: target.body });
    let firstByte = null;
    for await (const _chunk of response.body) firstByte ??= process.hrtime.bigint();
    const ended = process.hrtime.bigint();
    if (response.statusCode >= 400) throw new Error(`${target.name}: HTTP ${response.statusCode}`);
    return { total: Number(ended - started) / 1e6, firstByte: Number((firstByte ?? ended) - started) / 1e6 };
  };
  for (const target of targets) for (let i = 0; i < 20; i++) await once(target); // warm-up
  for (let round = 0; round < rounds; round++) {
    for (const target of targets) {
      const own = figures.get(target.name);
      const samples = [];
      for (let i = 0; i < perRound; i++) samples.push(await once(target));
      own.roundMedians.push(median(samples.map((sample) => sample.total)));
      own.firstByteMedians.push(median(samples.map((sample) => sample.firstByte)));
      own.samples.push(...samples.map((sample) => sample.total));
    }
  }
  await Promise.all([...pools.values()].map((pool) => pool.close()));
  return new Map(
    [...figures].map(([name, own]) => [
      name,
      {
        median: median(own.roundMedians),
        p99: percentile(own.samples, 0.99),
        firstByte: median(own.firstByteMedians),
      },
    ]),
  );
}

export async function countRoundTrips(child, target, calls = 200) {
  const { Pool } = await import('undici');
  const url = new URL(target.url);
  const pool = new Pool(url.origin, { connections: 4 });
  await child.reset();
  await Promise.all(
    Array.from({ length: calls }, async () => {
      const response = await pool.request({ method: target.method, path: url.pathname, headers: target.headers, body: target.body });
      await response.body.dump();
    }),
  );
  await pool.close();
  const hot = await child.counters(); // right after: what the calls themselves cost
  await new Promise((resolve) => setTimeout(resolve, 1200)); // let the usage batch flush
  const amortised = await child.counters();
  return {
    storeCallsPerCall: hot.storeCalls / calls,
    redisCommandsPerCall: hot.redisCommands / calls,
    byMethod: Object.fromEntries(Object.entries(hot.byMethod).map(([name, count]) => [name, count / calls])),
    withBatchesPerCall: amortised.storeCalls / calls,
  };
}

/** The command-line options both server benchmarks take. */
export const BENCH_OPTIONS = {
  duration: { type: 'string', default: '8' },
  rounds: { type: 'string', default: '3' },
  connections: { type: 'string', default: '32' },
  json: { type: 'boolean', default: false },
  // The baseline's servers start and run before this build's in each round (where they
  // stand in the order moves a Redis row by several per cent: run both orders).
  'baseline-first': { type: 'boolean', default: false },
  // Another checkout whose server is built (`git worktree add /tmp/base <commit>`, then
  // `npm ci && npm run build -w @kikuai/sdk -w @kikuai/server` there): its server runs as
  // extra targets in the same interleaved run, so a change is measured against its base.
  baseline: { type: 'string' },
};

/** The targets with each `@baseline` row moved just before the row it is compared with. */
export function baselineFirst(targets) {
  const baselines = targets.filter((target) => target.name.endsWith(' @baseline'));
  const ordered = [];
  for (const target of targets) {
    if (target.name.endsWith(' @baseline')) continue;
    const base = baselines.find((candidate) => candidate.name === `${target.name} @baseline`);
    if (base) ordered.push(base);
    ordered.push(target);
  }
  return ordered;
}

/** This kikuai row's req/s and CPU per request against the same store's `@baseline` row. */
export function baselineRatio(load, target) {
  if (!target.child || target.name.endsWith('@baseline')) return null;
  const base = load.get(`${target.name} @baseline`);
  if (!base) return null;
  const figures = load.get(target.name);
  return {
    rps: figures.rps / base.rps,
    cpu: figures.cpuMicros / base.cpuMicros,
    // Where the CPU went (user space: JavaScript, SQLite, parsing; system: the kernel's socket and file writes), µs per request.
    user: [figures.userMicros, base.userMicros],
    system: [figures.systemMicros, base.systemMicros],
  };
}

export function printBaselineComparison(rows, baseline) {
  const compared = rows.filter((row) => row.vs_baseline);
  if (!compared.length) return;
  console.log(`\nAgainst the baseline (${baseline}), same run:`);
  for (const row of compared) {
    console.log(
      `- ${row.target}: throughput ${(row.vs_baseline.rps * 100).toFixed(1)} % of the baseline's, server CPU per request ${(row.vs_baseline.cpu * 100).toFixed(1)} % of the baseline's (user ${row.vs_baseline.user.map((micros) => micros.toFixed(0)).join(' vs ')} µs, system ${row.vs_baseline.system.map((micros) => micros.toFixed(0)).join(' vs ')} µs)`,
    );
  }
}

/**
 * Per store (Redis when it answers, then SQLite): the floor (`floorRole` after one read of
 * that store), this build's kikuai server and, with --baseline, the baseline's, started
 * before or after this build's as --baseline-first says.
 */
export async function startStoreServers(script, values, { floorRole, floorArgs = {}, upstream }) {
  let stores = (await redisAnswers()) ? ['redis', 'sqlite'] : ['sqlite'];
  if (!stores.includes('redis')) console.error(`Redis does not answer at ${REDIS_URL}: the Redis figures are skipped.`);
  // BENCH_STORES=sqlite (or redis): one store's rows only, for a shorter run.
  if (process.env.BENCH_STORES) stores = stores.filter((store) => process.env.BENCH_STORES.split(',').includes(store));
  const floors = [];
  const kikuai = [];
  const baselines = [];
  for (const store of stores) {
    floors.push(await startChild(script, floorRole, { ...floorArgs, store }));
    const startBaseline = () => startChild(script, `kikuai-${store}`, { upstream: upstream.url, dist: values.baseline });
    if (values.baseline && values['baseline-first']) baselines.push(await startBaseline());
    kikuai.push(await startChild(script, `kikuai-${store}`, { upstream: upstream.url }));
    if (values.baseline && !values['baseline-first']) baselines.push(await startBaseline());
  }
  return { stores, floors, kikuai, baselines };
}

/**
 * The load targets of the kikuai servers, this build's then the baseline's (`… @baseline`),
 * each compared with its store's floor (`floorName(store)`); `request(child)` gives the
 * target's url, method, headers and body.
 */
export function kikuaiTargets({ stores, kikuai, baselines }, floorName, request) {
  const target = (suffix) => (child, index) => ({
    name: `kikuai ${stores[index]}${suffix}`,
    floor: floorName(stores[index]),
    child,
    server: child,
    ...request(child),
  });
  return [...kikuai.map(target('')), ...baselines.map(target(' @baseline'))];
}
