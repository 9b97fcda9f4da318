#!/usr/bin/env node
// Start-up time of the built `kikuai` binary against bare Node, in one run:
//   node -e 0                  the floor: starting Node itself
//   kikuai --version           the entry point alone, answered before oclif loads (target: < 150 ms over the floor)
//   kikuai balance --json      a whole command: oclif, the command, the SDK, one HTTP request, JSON out
//                              (target, issue 15: ≤ 200 ms over the floor)
//
// Like hyperfine: warm-up runs, then the commands interleaved round-robin so that drift
// in machine load affects them alike; mean ± standard deviation, min, median, p95.
// `balance` talks to a stub on 127.0.0.1 that answers a fixed Balance (so the figure is
// the CLI's, not a server's), or to a real server with --base-url and KIKUAI_API_KEY.
//
//   npm run build -w @kikuai/sdk && npm run build -w kikuai
//   node bench/cli-startup.mjs [--runs 20] [--warmup 3] [--base-url URL] [--json] [--breakdown] [--baseline CHECKOUT]
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const TARGET_OVERHEAD_MS = 150;
const TARGET_COMMAND_OVERHEAD_MS = 200;
const { values: options } = parseArgs({
  options: {
    runs: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '3' },
    'base-url': { type: 'string' },
    json: { type: 'boolean', default: false },
    // Another checkout whose CLI is built: its commands run interleaved with these (bench/README.md).
    baseline: { type: 'string' },
    // Rows that split a whole command: oclif and the help without the SDK, and Node's fetch of the same answer alone.
    breakdown: { type: 'boolean', default: false },
  },
});
const runs = Number(options.runs);
const warmup = Number(options.warmup);

const cliRoot = fileURLToPath(new URL('../cli/', import.meta.url));
const bin = path.join(cliRoot, 'bin', 'run.js');
if (!existsSync(path.join(cliRoot, 'dist', 'commands')) || !existsSync(path.join(cliRoot, 'oclif.manifest.json'))) {
  console.error('Build the CLI first: npm run build -w @kikuai/sdk && npm run build -w kikuai');
  process.exit(1);
}

const BALANCE = {
  balance_micros: 12_500_000,
  balance_usd: '12.500000',
  currency: 'USD',
  low_balance_threshold_micros: 1_000_000,
  low_balance: false,
  account_status: 'active',
};

async function startStub() {
  const server = createServer((request, response) => {
    if (request.method === 'GET' && request.url === '/api/v1/balance') {
      response.writeHead(200, { 'content-type': 'application/json', 'x-request-id': 'req_bench' });
      response.end(JSON.stringify(BALANCE));
    } else {
      response.writeHead(404, { 'content-type': 'application/problem+json' });
      response.end(JSON.stringify({ type: 'about:blank', title: 'Not found', status: 404, code: 'route_not_found', request_id: 'req_bench' }));
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((resolve) => server.close(resolve)) };
}

function timeOnce(args, env) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const milliseconds = Number(process.hrtime.bigint() - started) / 1e6;
      if (code !== 0) reject(new Error(`node ${args.join(' ')} exited ${code}: ${stderr.trim()}`));
      else resolve(milliseconds);
    });
  });
}

function summarise(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = samples.reduce((sum, value) => sum + value, 0) / samples.length;
  const sd = Math.sqrt(samples.reduce((sum, value) => sum + (value - mean) ** 2, 0) / Math.max(1, samples.length - 1));
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { mean, sd, min: sorted[0], median: at(0.5), p95: at(0.95), runs: samples.length };
}

const stub = options['base-url'] ? undefined : await startStub();
const configDir = mkdtempSync(path.join(tmpdir(), 'kikuai-bench-'));
const env = {
  ...process.env,
  KIKUAI_CONFIG_DIR: configDir,
  KIKUAI_BASE_URL: options['base-url'] ?? stub.url,
  KIKUAI_API_KEY: options['base-url'] ? (process.env.KIKUAI_API_KEY ?? '') : `kik_${'b'.repeat(49)}`,
  NO_COLOR: '1',
};
delete env.DEBUG;

const commands = [
  { name: 'node -e 0', args: ['-e', '0'] },
  { name: 'kikuai --version', args: [bin, '--version'] },
  { name: 'kikuai balance --json', args: [bin, 'balance', '--json'] },
];
if (options.breakdown) {
  // fetch on V8's baseline compiler, as bin/run.js runs it (cli/README.md, "Start-up time").
  const fetchOnly = `fetch(process.env.KIKUAI_BASE_URL + '/api/v1/balance', { headers: { authorization: 'Bearer ' + process.env.KIKUAI_API_KEY } }).then((r) => r.json())`;
  commands.push({ name: 'kikuai --help', args: [bin, '--help'] }, { name: 'node: fetch alone', args: ['--liftoff-only', '-e', fetchOnly] });
}
if (options.baseline) {
  const baselineBin = path.join(path.resolve(options.baseline), 'cli', 'bin', 'run.js');
  commands.push(
    { name: 'kikuai --version @baseline', args: [baselineBin, '--version'] },
    { name: 'kikuai balance --json @baseline', args: [baselineBin, 'balance', '--json'] },
  );
}

try {
  for (let round = 0; round < warmup; round += 1) for (const command of commands) await timeOnce(command.args, env);
  const samples = new Map(commands.map((command) => [command.name, []]));
  for (let round = 0; round < runs; round += 1) {
    for (const command of commands) samples.get(command.name).push(await timeOnce(command.args, env));
  }
  const results = commands.map((command) => ({ command: command.name, ...summarise(samples.get(command.name)) }));
  const floor = results[0];
  for (const result of results) {
    result.overhead_mean_ms = result.mean - floor.mean;
    result.overhead_median_ms = result.median - floor.median;
  }
  const versionOverhead = results[1].overhead_median_ms;
  const commandOverhead = results[2].overhead_median_ms;
  const verdict = {
    target_ms: TARGET_OVERHEAD_MS,
    version_overhead_median_ms: versionOverhead,
    within_target: versionOverhead < TARGET_OVERHEAD_MS,
    command_target_ms: TARGET_COMMAND_OVERHEAD_MS,
    command_overhead_median_ms: commandOverhead,
    command_within_target: commandOverhead <= TARGET_COMMAND_OVERHEAD_MS,
  };

  if (options.json) {
    console.log(JSON.stringify({ node: process.version, platform: `${process.platform}-${process.arch}`, runs, warmup, results, verdict }, null, 2));
  } else {
    const ms = (value) => `${value.toFixed(1)} ms`;
    console.log(`kikuai start-up · node ${process.version} ${process.platform}-${process.arch} · ${runs} runs after ${warmup} warm-up, interleaved\n`);
    console.log(
      `${'command'.padEnd(24)}${'mean ± sd'.padStart(20)}${'min'.padStart(11)}${'median'.padStart(11)}${'p95'.padStart(11)}${'over node (median)'.padStart(21)}`,
    );
    for (const result of results) {
      console.log(
        `${result.command.padEnd(24)}${`${ms(result.mean)} ± ${result.sd.toFixed(1)}`.padStart(20)}${ms(result.min).padStart(11)}${ms(result.median).padStart(11)}${ms(result.p95).padStart(11)}${(result === floor ? '-' : `+${ms(result.overhead_median_ms)}`).padStart(21)}`,
      );
    }
    console.log(`\n--version overhead ${ms(versionOverhead)} (median) — target < ${TARGET_OVERHEAD_MS} ms: ${verdict.within_target ? 'met' : 'NOT met'}`);
    console.log(
      `balance --json overhead ${ms(commandOverhead)} (median) — target ≤ ${TARGET_COMMAND_OVERHEAD_MS} ms: ${verdict.command_within_target ? 'met' : 'NOT met'}`,
    );
    for (const result of results.filter((candidate) => candidate.command.endsWith(' @baseline'))) {
      const current = results.find((candidate) => candidate.command === result.command.replace(' @baseline', ''));
      console.log(
        `${current.command}: median ${ms(current.median)} against the baseline's ${ms(result.median)} (${((current.median / result.median) * 100).toFixed(1)} %)`,
      );
    }
  }
} finally {
  await stub?.close();
  rmSync(configDir, { recursive: true, force: true });
}
