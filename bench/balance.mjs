#!/usr/bin/env node
// The authenticated hot path (issue 3), in one run:
//   bare                 a bare Fastify route answering the same Balance JSON (no auth, no store)
//   bare + redis read    the bare route after one HMGET through ioredis   } floors: the least an
//   bare + sqlite read   the bare route after one better-sqlite3 point read } authenticated request can cost
//   kikuai redis         GET /api/v1/balance with an API key, on the Redis store
//   kikuai sqlite        the same on the embedded SQLite store
// Throughput and p50/p99 at concurrency 32 (autocannon), the ratios to the bare route and
// to the floor of the same store, and store round trips per request (the counting
// wrappers of bench/proxy.mjs).
// Each server runs in its own child process; the load generator in this one.
//
//   npm run build -w @kikuai/server -w @kikuai/testkit
//   node bench/balance.mjs [--duration 10] [--connections 32] [--json]
import { parseArgs } from 'node:util';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  closeRedisCpu,
  BENCH_OPTIONS,
  baselineFirst,
  baselineRatio,
  countRoundTrips,
  kikuaiTargets,
  measureInterleaved,
  printBaselineComparison,
  startChild,
  startStoreServers,
} from './lib.mjs';
// The bare route (child role `bare-balance`) lives in proxy.mjs with the other child roles.

const here = path.dirname(fileURLToPath(import.meta.url));
async function main() {
  const { values } = parseArgs({ options: { ...BENCH_OPTIONS } });
  const duration = Number(values.duration);
  const rounds = Number(values.rounds);
  const connections = Number(values.connections);
  const script = path.join(here, 'proxy.mjs');

  const upstream = await startChild(script, 'upstream'); // the kikuai children need a products file with a reachable upstream
  const bare = await startChild(script, 'bare-balance');
  const servers = await startStoreServers(script, values, { floorRole: 'bare-balance', upstream });
  const { stores, floors, kikuai, baselines } = servers;

  let targets = [
    { name: 'bare', server: bare, url: `${bare.url}/api/v1/balance`, method: 'GET' },
    ...floors.map((child, index) => ({ name: `bare + ${stores[index]} read`, server: child, url: `${child.url}/api/v1/balance`, method: 'GET' })),
    ...kikuaiTargets(
      servers,
      (store) => `bare + ${store} read`,
      (child) => ({ url: `${child.url}/api/v1/balance`, method: 'GET', headers: { authorization: `Bearer ${child.apiKey}` } }),
    ),
  ];

  if (values['baseline-first']) targets = baselineFirst(targets);
  console.error(`Load: ${rounds} rounds of ${duration} s at concurrency ${connections} per target, interleaved (after a 2 s warm-up each)…`);
  const load = await measureInterleaved(targets, { duration, connections, rounds });
  const bareFigures = load.get('bare');
  const rows = [];
  for (const target of targets) {
    const figures = load.get(target.name);
    const trips = target.child ? await countRoundTrips(target.child, target) : null;
    rows.push({
      target: target.name,
      rps: Math.round(figures.rps),
      p50_ms: figures.p50,
      p99_ms: figures.p99,
      vs_bare: target.name === 'bare' ? null : figures.rps / bareFigures.rps,
      vs_floor: target.floor ? figures.rps / load.get(target.floor).rps : null,
      vs_baseline: baselineRatio(load, target),
      server_cpu_us_per_request: figures.cpuMicros,
      redis_cpu_us_per_request: figures.redisMicros,
      cpu_vs_bare: target.name === 'bare' ? null : bareFigures.cpuMicros / figures.cpuMicros,
      store_round_trips_per_request: trips ? trips.storeCallsPerCall : null,
      store_calls_per_request: trips?.byMethod ?? null,
    });
  }

  if (values.json) console.log(JSON.stringify({ duration, rounds, connections, node: process.version, rows }, null, 2));
  else {
    console.log(
      `\nkikuai balance benchmark — node ${process.version}, medians of ${rounds} interleaved rounds of ${duration} s at concurrency ${connections}, loopback\n`,
    );
    const percent = (ratio) => (ratio === null ? '—' : `${(ratio * 100).toFixed(0)} %`);
    console.log(
      "| target | req/s | p50 ms | p99 ms | vs bare | vs bare + same store read | server CPU µs / req | bare's CPU / this | Redis CPU µs / req | store round trips / request |",
    );
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const row of rows) {
      console.log(
        `| ${row.target} | ${row.rps} | ${row.p50_ms} | ${row.p99_ms} | ${percent(row.vs_bare)} | ${percent(row.vs_floor)} | ${row.server_cpu_us_per_request.toFixed(0)} | ${percent(row.cpu_vs_bare)} | ${row.redis_cpu_us_per_request == null ? '—' : row.redis_cpu_us_per_request.toFixed(0)} | ${row.store_round_trips_per_request === null ? '—' : row.store_round_trips_per_request.toFixed(2)} |`,
      );
    }
    for (const row of rows.filter((row) => row.store_calls_per_request))
      console.log(`\n${row.target}: store calls per request ${JSON.stringify(row.store_calls_per_request)}`);
    for (const row of rows.filter((row) => row.target.startsWith('kikuai ') && !row.target.endsWith('@baseline')))
      console.log(
        `\nIssue 15's target for ${row.target}: ${(row.vs_floor * 100).toFixed(0)} % of its floor's throughput (target ≥ 80 %): ${row.vs_floor >= 0.8 ? 'met' : 'not met'}`,
      );
    printBaselineComparison(rows, values.baseline);
  }
  await Promise.all([upstream, bare, ...floors, ...kikuai, ...baselines].map((child) => child.stop()));
  await closeRedisCpu();
}

const invokedAs = process.argv[1] ? pathToFileURL(path.resolve(process.argv[1])).href : '';
if (invokedAs === import.meta.url) await main();
