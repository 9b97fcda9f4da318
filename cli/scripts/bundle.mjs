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
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

// Chunk names carry a hash of their content: clear out the last build's.
rmSync(path.join(root, 'dist'), { recursive: true, force: true });
const result = await build({
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
  // No comments or blank space, but the names kept, for readable stack traces (DEBUG=1).
  // Minified names measured no faster: V8 parses functions lazily, and the time goes into
  // running the modules, not reading them.
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none', // the packages' licences are collected whole below
  metafile: true,
  // Not bundled: the SDK (its own package, loaded when a command first calls the API);
  // what only one command loads, on demand, and that reads files next to itself (`open`
  // runs its own xdg-open); and the TypeScript loaders oclif looks for in development only.
  external: ['@kikuai/sdk', 'open', '@inquirer/password', 'chrono-node', 'typescript', 'ts-node', 'tsx'],
  // @oclif/core checks Node against its own `engines` at load, with semver (47 modules to
  // run, for nothing: npm checks ours, and bundled it cannot find its package.json).
  define: { 'process.env.OCLIF_DISABLE_ENGINE_WARNING': '"1"' },
  // oclif and its dependencies are CommonJS: their require() of Node's modules needs one.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  logLevel: 'warning',
});

// The licences of the packages bundled into dist/, in one file next to it (MIT, ISC and
// Apache-2.0 ask for their notice to travel with copies of the code).
const packageFolders = new Set();
for (const input of Object.keys(result.metafile.inputs)) {
  const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
  if (match) packageFolders.add(path.resolve(root, match[1]));
}
const notices = [...packageFolders].sort().map((folder) => {
  const { name, version, license } = JSON.parse(readFileSync(path.join(folder, 'package.json'), 'utf8'));
  const file = readdirSync(folder).find((entry) => /^(licen[cs]e|copying)(\.|$)/i.test(entry));
  const text = file && existsSync(path.join(folder, file)) ? readFileSync(path.join(folder, file), 'utf8').trim() : `License: ${license}`;
  return `${name}@${version} (${license})\n\n${text}\n`;
});
writeFileSync(
  path.join(root, 'dist', 'THIRD-PARTY-LICENSES.txt'),
  `The kikuai CLI's dist/ bundles these packages (scripts/bundle.mjs):\n\n${notices.join(`\n${'-'.repeat(72)}\n\n`)}`,
);
