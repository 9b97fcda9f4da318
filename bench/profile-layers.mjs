#!/usr/bin/env node
// Where a server's CPU goes, by layer, from a V8 CPU profile (.cpuprofile) of its loaded
// runs (BENCH_PROFILE=1 or =all in proxy.mjs and balance.mjs write them): self time per
// layer, as a share of the busy time and, given the requests served while profiled, in µs
// per request. Two servers profiled in one run (kikuai and its floor) compare layer by
// layer: what kikuai adds, and where.
//
//   node bench/profile-layers.mjs <file.cpuprofile> [requests] [<other.cpuprofile> [requests]]
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

// Native frames (no script URL) by what they are: socket writes and reads, better-sqlite3's
// statement methods (SQLite itself runs inside them), hashing.
const NATIVE = new Map([
  ['writev', 'socket writes (kernel)'],
  ['writeUtf8String', 'socket writes (kernel)'],
  ['writeLatin1String', 'socket writes (kernel)'],
  ['writeBuffer', 'socket writes (kernel)'],
  ['writeString', 'socket writes (kernel)'],
  ['run', 'SQLite (better-sqlite3 statements)'],
  ['get', 'SQLite (better-sqlite3 statements)'],
  ['all', 'SQLite (better-sqlite3 statements)'],
  ['exec', 'SQLite (better-sqlite3 statements)'],
  ['oneShotDigest', 'crypto (key hash)'],
  ['(garbage collector)', 'garbage collection'],
  ['(program)', 'V8 and Node internals (unattributed)'],
]);

/** The layer a frame's self time belongs to. */
export function layerOf({ url, functionName }) {
  if (!url) return NATIVE.get(functionName) ?? (functionName === '(idle)' ? null : 'V8 and Node internals (unattributed)');
  if (url.startsWith('wasm://')) return 'undici (upstream client, llhttp)';
  const dependency = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (dependency) {
    if (dependency === 'undici') return 'undici (upstream client, llhttp)';
    if (dependency === 'ioredis' || dependency === 'redis-parser' || dependency === 'denque' || dependency === 'cluster-key-slot') return 'ioredis';
    if (dependency === 'better-sqlite3') return 'SQLite (better-sqlite3 statements)';
    if (/pino|sonic-boom|redact|fast-redact|quick-format|atomic-sleep|on-exit-leak-free|thread-stream/.test(dependency)) return 'logging (pino)';
    if (
      /fastify|find-my-way|avvio|light-my-request|fast-json-stringify|ajv|secure-json-parse|toad-cache|fast-querystring|rfdc|process-warning|abstract-logging/.test(
        dependency,
      )
    )
      return 'Fastify (routing, hooks, reply, validation)';
    return `other dependencies (${dependency})`;
  }
  if (url.startsWith('node:')) return 'Node (http, net, streams, events, timers)';
  if (/\/server\/(dist|src)\//.test(url)) return 'kikuai server code';
  if (/\/bench\//.test(url)) return 'bench harness in the server (counters)';
  return 'other';
}

/** Self time per layer in µs, and the busy total (everything but idle). */
export function layersOf(profile) {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const layers = new Map();
  let busy = 0;
  profile.samples.forEach((id, index) => {
    const layer = layerOf(nodes.get(id).callFrame);
    if (layer === null) return;
    const micros = profile.timeDeltas[index] ?? 0;
    layers.set(layer, (layers.get(layer) ?? 0) + micros);
    busy += micros;
  });
  return { layers, busy };
}

/** A markdown table of one or more profiles side by side: % of busy time and, with requests, µs per request. */
export function layerTable(columns) {
  const summaries = columns.map(({ profile }) => layersOf(profile));
  const names = [...new Set(summaries.flatMap(({ layers }) => [...layers.keys()]))].sort(
    (a, b) => Math.max(...summaries.map(({ layers }) => layers.get(b) ?? 0)) - Math.max(...summaries.map(({ layers }) => layers.get(a) ?? 0)),
  );
  const cell = (summary, requests, name) => {
    const micros = summary.layers.get(name) ?? 0;
    const share = `${((100 * micros) / summary.busy).toFixed(1)} %`;
    return requests ? `${(micros / requests).toFixed(1)} µs (${share})` : share;
  };
  const lines = [
    `| layer | ${columns.map(({ name }) => name).join(' | ')} |`,
    `|---|${columns.map(() => '---:').join('|')}|`,
    ...names.map((name) => `| ${name} | ${columns.map(({ requests }, index) => cell(summaries[index], requests, name)).join(' | ')} |`),
    `| **busy, all layers** | ${columns.map(({ requests }, index) => (requests ? `${(summaries[index].busy / requests).toFixed(1)} µs` : `${(summaries[index].busy / 1000).toFixed(0)} ms`)).join(' | ')} |`,
  ];
  return lines.join('\n');
}

const invokedAs = process.argv[1] ? pathToFileURL(path.resolve(process.argv[1])).href : '';
if (invokedAs === import.meta.url) {
  const args = process.argv.slice(2);
  if (args.length === 0 || args.includes('--help')) {
    console.log('usage: node bench/profile-layers.mjs <file.cpuprofile> [requests] [<other.cpuprofile> [requests]]…');
    process.exit(args.length === 0 ? 1 : 0);
  }
  const columns = [];
  for (const arg of args) {
    if (/^\d+$/.test(arg) && columns.length > 0) columns.at(-1).requests = Number(arg);
    else columns.push({ name: path.basename(arg), profile: JSON.parse(readFileSync(arg, 'utf8')) });
  }
  console.log(layerTable(columns));
}
