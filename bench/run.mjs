#!/usr/bin/env node
// `npm run bench`: every benchmark in turn, each with its defaults, in this order:
//   proxy.mjs        the metered proxy's overhead (needs the server and the testkit built)
//   balance.mjs      GET /balance against its floors (same)
//   cli-startup.mjs  the built `kikuai` binary's start-up (needs the SDK and the CLI built)
//   sweep.mjs        an open-loop rate sweep: the highest rate each store holds with p99 ≤ 10 ms
//
//   npm run build
//   npm run bench                                # all four, defaults
//   npm run bench -- --json                      # extra arguments go to every bench
//   npm run bench -- --only proxy,balance --duration 5
//   npm run bench -- --dry-run                   # print the commands, run nothing
//
// Extra arguments reach every selected bench unchanged, so pass one bench's own options
// (`--duration`, `--runs`…) together with `--only`: each bench rejects options it does not
// know. All run even when one fails; the exit code is 1 if any failed.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const BENCHES = ['proxy', 'balance', 'cli-startup', 'sweep'];

function usage() {
  return `Usage: npm run bench -- [--only ${BENCHES.join(',')}] [--dry-run] [--help] [arguments for the benches…]

Runs bench/${BENCHES.join('.mjs, bench/')}.mjs in turn with their defaults, passing the
other arguments to each. See bench/README.md for what each measures and its options.`;
}

export function parseRunArgs(argv) {
  const passThrough = [];
  let only = BENCHES;
  let dryRun = false;
  let help = false;
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index];
    if (argument === '--dry-run') dryRun = true;
    else if (argument === '--help' || argument === '-h') help = true;
    else if (argument === '--only' || argument.startsWith('--only=')) {
      const value = argument === '--only' ? argv[++index] : argument.slice('--only='.length);
      only = (value ?? '')
        .split(',')
        .map((name) => name.trim().replace(/\.mjs$/, ''))
        .filter(Boolean);
      const unknown = only.filter((name) => !BENCHES.includes(name));
      if (unknown.length > 0 || only.length === 0) throw new Error(`--only takes a list of ${BENCHES.join(', ')}; got ${value ?? 'nothing'}`);
    } else passThrough.push(argument);
  }
  return { only: BENCHES.filter((name) => only.includes(name)), dryRun, help, passThrough };
}

function run(script, args) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: 'inherit' });
    child.once('error', (error) => {
      console.error(error);
      resolve(1);
    });
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

async function main() {
  let parsed;
  try {
    parsed = parseRunArgs(process.argv.slice(2));
  } catch (error) {
    console.error(`${error.message}\n\n${usage()}`);
    process.exit(2);
  }
  if (parsed.help) {
    console.log(usage());
    return;
  }
  const failed = [];
  for (const name of parsed.only) {
    const script = path.join(here, `${name}.mjs`);
    const shown = ['node', path.relative(process.cwd(), script), ...parsed.passThrough].join(' ');
    if (parsed.dryRun) {
      console.log(shown);
      continue;
    }
    console.log(`\n=== ${shown}`);
    const code = await run(script, parsed.passThrough);
    if (code !== 0) failed.push(`${name} (exit ${code})`);
  }
  if (failed.length > 0) {
    console.error(`\nfailed: ${failed.join(', ')}`);
    process.exitCode = 1;
  }
}

const invokedAs = process.argv[1] ? path.resolve(process.argv[1]) : '';
if (invokedAs === fileURLToPath(import.meta.url)) await main();
