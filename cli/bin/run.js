#!/usr/bin/env node
// The `kikuai` entry point. `kikuai --version` is answered here, before oclif is loaded
// (it prints what oclif would: `kikuai/<version> <platform>-<arch> node-<version>`).
// Everything else goes through oclif, bundled with the commands in dist/ (scripts/bundle.mjs):
// it imports only the chosen command (from the manifest); commands import the SDK
// themselves, so nothing heavy loads up front. How the start-up is kept fast: README.md.
import { readFileSync } from 'node:fs';

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v' || argv[0] === 'version')) {
  const { name, version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  process.stdout.write(`${name}/${version} ${process.platform}-${process.arch} node-${process.version}\n`);
} else {
  // fetch parses HTTP with a WebAssembly build of llhttp. V8 recompiles it with its
  // optimising compiler in the background, and the process cannot exit until that is
  // done: ~200 ms after the answer, on every command that calls the API. The baseline
  // compiler alone parses a CLI's few kilobytes as fast. Only WebAssembly is affected.
  // (node:v8 is imported here, not above: --version does not need it.)
  const { setFlagsFromString } = await import('node:v8');
  setFlagsFromString('--liftoff-only');
  const { execute } = await import('../dist/oclif.js');
  await execute({ dir: import.meta.url });
}
