// Builds dist/ with esbuild: every command, the help class and the hook as its own entry,
// sharing chunks that hold @oclif/core (with its dependencies) and our services. One
// file to compile instead of ~190 small CommonJS and ES modules to find, read and link
// makes a command start ~2× faster (bench/README.md, "CLI start-up"). dist/ keeps the
// layout oclif's manifest, `commands`, `helpClass` and `hooks` point at.
//
// bin/run.js imports @oclif/core from dist/oclif.js, never from node_modules: the
// commands extend the bundled Command, and oclif's `instanceof` checks (ExitError, the
// help class) need the one copy.
//
//   node scripts/bundle.mjs     (part of `npm run build`)
import { build } from 'esbuild';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

function sources(folder) {
  return readdirSync(path.join(root, folder), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.join(folder, entry.name);
    if (entry.isDirectory()) return sources(relative);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [relative] : [];
  });
}

await build({
  absWorkingDir: root,
  entryPoints: [...sources('src/commands'), 'src/help.ts', 'src/hooks/command-not-found.ts', 'src/oclif.ts'],
  outdir: 'dist',
  outbase: 'src',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Less source for V8 to parse on every run; names are kept for stack traces (DEBUG=1).
  minify: true,
  keepNames: true,
  legalComments: 'linked',
  // Not bundled: the SDK (its own package, loaded when a command first calls the API);
  // what only one command loads, on demand, and that reads files next to itself (`open`
  // runs its own xdg-open); and the TypeScript loaders oclif looks for in development only.
  external: ['@kikuai/sdk', 'open', '@inquirer/password', 'chrono-node', 'typescript', 'ts-node', 'tsx'],
  // oclif and its dependencies are CommonJS: their require() of Node's modules needs one.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  logLevel: 'warning',
});
