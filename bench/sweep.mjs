#!/usr/bin/env node
// An open-loop rate sweep of the metered call: requests leave at a fixed arrival rate,
// whether or not earlier ones have been answered (a closed-loop tool such as autocannon
// sends the next request only when one returns, so a slow server slows its own load and
// hides its queue). Each request's latency counts from when it was handed to the client
// pool, so time spent waiting for a free connection counts too (no coordinated omission);
// how late this process's own timer handed it over is reported apart (`send lag`), as it
// is the load generator's delay, not the server's.
//
// For each target (the bare proxy, the bare proxy + one store read, kikuai on each
// store), the rate rises step by step (×1.25 from --start) for --step seconds each until
// p99 passes --p99-ms or a request fails; the highest rate held is the answer.
//
//   node bench/sweep.mjs [--start 250] [--step 3] [--p99-ms 10] [--max 20000] [--json]
//   BENCH_STORES=sqlite node bench/sweep.mjs     # one store's rows only
import { parseArgs } from 'node:util';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startChild, startStoreServers, kikuaiTargets, closeRedisCpu, loadTest } from './lib.mjs';
import { REQUEST_BODY } from './proxy.mjs';

const proxyScript = path.join(path.dirname(fileURLToPath(import.meta.url)), 'proxy.mjs');

/** One step: `rate` requests a second for `seconds`, open loop. The latencies are from each request's due time. */
async function openLoop(pool, target, rate, seconds) {
  const url = new URL(target.url);
  const total = Math.round(rate * seconds);
  const latencies = [];
  const lags = [];
  let failures = 0;
  let sent = 0;
  const started = performance.now();
  const inFlight = [];
  const send = () => {
    const handed = performance.now();
    return pool
      .request({ method: target.method, path: url.pathname, headers: target.headers, body: target.body })
      .then(async (response) => {
        await response.body.dump();
        if (response.statusCode >= 400) failures++;
        latencies.push(performance.now() - handed);
      })
      .catch(() => failures++);
  };
  while (sent < total) {
    const now = performance.now();
    // Every request due by now leaves now; the next tick is a millisecond away, or later when this process is busy.
    while (sent < total && started + (sent * 1000) / rate <= now) {
      lags.push(now - (started + (sent * 1000) / rate));
      inFlight.push(send());
      sent++;
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await Promise.all(inFlight);
  const quantile = (values, q) => {
    values.sort((a, b) => a - b);
    return values[Math.min(values.length - 1, Math.floor(q * values.length))] ?? Number.POSITIVE_INFINITY;
  };
  return { rate, p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), lagP99: quantile(lags, 0.99), failures };
}

async function sweep(target, { start, step, p99Ms, max }) {
  const { Pool } = await import('undici');
  // Enough connections that the client never limits the rate it offers.
  const pool = new Pool(new URL(target.url).origin, { connections: 256, pipelining: 1 });
  const steps = [];
  let held = null;
  try {
    // Warm-up: 2 s flat out (the server's code compiled, its pools filled), then a second at the first rate.
    await loadTest(target, { duration: 2, connections: 32, warmup: 0 });
    await openLoop(pool, target, start, 1);
    for (let rate = start; rate <= max; rate = Math.round(rate * 1.25)) {
      const result = await openLoop(pool, target, rate, step);
      steps.push(result);
      if (result.failures > 0 || result.p99 > p99Ms) break;
      held = result;
    }
  } finally {
    await pool.close();
  }
  return { held, steps };
}

async function main() {
  const { values } = parseArgs({
    options: {
      start: { type: 'string', default: '250' },
      step: { type: 'string', default: '3' },
      'p99-ms': { type: 'string', default: '10' },
      max: { type: 'string', default: '20000' },
      json: { type: 'boolean', default: false },
    },
  });
  const options = { start: Number(values.start), step: Number(values.step), p99Ms: Number(values['p99-ms']), max: Number(values.max) };
  const upstream = await startChild(proxyScript, 'upstream');
  const bare = await startChild(proxyScript, 'bare-proxy', { upstream: upstream.url });
  const servers = await startStoreServers(proxyScript, {}, { floorRole: 'bare-proxy', floorArgs: { upstream: upstream.url }, upstream });
  const json = { 'content-type': 'application/json' };
  const request = (url, headers = {}) => ({ url, method: 'POST', headers: { ...json, ...headers }, body: REQUEST_BODY });
  const targets = [
    { name: 'bare proxy', ...request(`${bare.url}/proxy/http`) },
    ...servers.floors.map((child, index) => ({ name: `bare proxy + ${servers.stores[index]} read`, ...request(`${child.url}/proxy/http`) })),
    ...kikuaiTargets(
      servers,
      (store) => `bare proxy + ${store} read`,
      (child) => request(`${child.url}/api/v1/proxy/http`, { authorization: `Bearer ${child.apiKey}` }),
    ),
  ];
  console.error(`Open-loop sweep: from ${options.start} req/s, ×1.25 a step of ${options.step} s, until p99 > ${options.p99Ms} ms or an error…`);
  const rows = [];
  for (const target of targets) {
    const { held, steps } = await sweep(target, options);
    const last = steps.at(-1);
    rows.push({
      target: target.name,
      held_rps: held?.rate ?? 0,
      p50_ms: held?.p50 ?? null,
      p99_ms: held?.p99 ?? null,
      send_lag_p99_ms: held?.lagP99 ?? null,
      broke_at: last === held ? null : last,
    });
    console.error(`  ${target.name}: holds ${held?.rate ?? 0} req/s`);
  }
  const bareHeld = rows[0].held_rps;
  if (values.json) console.log(JSON.stringify({ node: process.version, options, rows }, null, 2));
  else {
    console.log(`\nkikuai open-loop sweep — node ${process.version}, p99 ≤ ${options.p99Ms} ms and no errors, steps of ${options.step} s, loopback\n`);
    console.log('| target | highest rate held, req/s | vs bare proxy | p50 ms there | p99 ms there | send lag p99 ms there | next step |');
    console.log('|---|---:|---:|---:|---:|---:|---|');
    for (const row of rows) {
      const next = row.broke_at ? `${row.broke_at.rate} req/s: p99 ${row.broke_at.p99.toFixed(1)} ms, ${row.broke_at.failures} errors` : 'not reached (--max)';
      console.log(
        `| ${row.target} | ${row.held_rps} | ${bareHeld ? `${((row.held_rps / bareHeld) * 100).toFixed(0)} %` : '—'} | ${row.p50_ms?.toFixed(2) ?? '—'} | ${row.p99_ms?.toFixed(2) ?? '—'} | ${row.send_lag_p99_ms?.toFixed(2) ?? '—'} | ${next} |`,
      );
    }
  }
  await Promise.all([upstream, bare, ...servers.floors, ...servers.kikuai, ...servers.baselines].map((child) => child.stop()));
  await closeRedisCpu();
}

await main();
