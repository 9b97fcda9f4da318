#!/usr/bin/env node
// The `kikuai` entry point. `kikuai --version` is answered here, before @oclif/core is
// loaded (it prints what oclif would: `kikuai/<version> <platform>-<arch> node-<version>`).
// Everything else goes through oclif, which imports only the chosen command (from the
// manifest); commands import the SDK themselves, so nothing heavy loads up front.
import { readFileSync } from 'node:fs';

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v' || argv[0] === 'version')) {
  const { name, version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  process.stdout.write(`${name}/${version} ${process.platform}-${process.arch} node-${process.version}\n`);
} else {
  const { execute } = await import('@oclif/core');
  await execute({ dir: import.meta.url });
}
