/**
 * Builds the workspaces in dependency order, each with its own `npm run build`.
 *
 *   node scripts/build.mjs                    every workspace (`npm run build`)
 *   node scripts/build.mjs --stale <name>…    only what the named workspaces need and is stale (`npm start`)
 *
 * A workspace is stale when it has no `dist/`, has never been built by this script, or
 * when one of its inputs is newer than its last build: a file of the package (sources and
 * config; not `dist/`, `node_modules/`, tests or Markdown), the root tsconfig.json and lock file, or
 * the build of a workspace it depends on. Each successful build leaves a stamp in
 * node_modules/.cache/kikuai-build/ dated when that build began, so that an edit made while
 * it ran is still seen next time; `npm ci` empties node_modules, so new dependencies
 * rebuild everything.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const stampDirectory = path.join(repositoryRoot, 'node_modules/.cache/kikuai-build');
const rootInputs = ['tsconfig.json', 'package-lock.json'];
const skippedDirectories = new Set(['dist', 'node_modules', 'test']);
const skippedFiles = /\.test\.ts$|\.md$|^oclif\.manifest\.json$|\.tsbuildinfo$/;
// The test helpers: no package's build needs them, and counting the edges to them would
// make a cycle (the testkit starts the server; the server's tests use the testkit).
const testOnlyWorkspaces = new Set(['@kikuai/testkit']);

/** The workspaces in the root package.json's order: name, folder, and the workspaces its build needs. */
export function listWorkspaces() {
  const root = JSON.parse(readFileSync(path.join(repositoryRoot, 'package.json'), 'utf8'));
  const manifests = root.workspaces.map((folder) => ({
    folder,
    manifest: JSON.parse(readFileSync(path.join(repositoryRoot, folder, 'package.json'), 'utf8')),
  }));
  const names = new Set(manifests.map(({ manifest }) => manifest.name));
  return manifests.map(({ folder, manifest }) => ({
    name: manifest.name,
    folder,
    needs: Object.keys({ ...manifest.dependencies, ...manifest.devDependencies }).filter((name) => names.has(name) && !testOnlyWorkspaces.has(name)),
  }));
}

/** `targets` and everything they need, dependencies first. */
function inBuildOrder(workspaces, targets) {
  const byName = new Map(workspaces.map((workspace) => [workspace.name, workspace]));
  const ordered = [];
  const visit = (name, trail) => {
    if (ordered.some((workspace) => workspace.name === name)) return;
    if (trail.includes(name)) throw new Error(`workspace dependency cycle: ${[...trail, name].join(' → ')}`);
    const workspace = byName.get(name);
    if (!workspace) throw new Error(`no workspace named ${name}`);
    for (const dependency of workspace.needs) visit(dependency, [...trail, name]);
    ordered.push(workspace);
  };
  for (const name of targets) visit(name, []);
  return ordered;
}

/** The newest input file of a folder, as { file, mtimeMs }. */
function newestInput(folder) {
  let newest = { file: '', mtimeMs: 0 };
  const walk = (directory) => {
    for (const entry of readdirSync(directory, { withFileTypes: true })) {
      const full = path.join(directory, entry.name);
      if (entry.isDirectory()) {
        if (!skippedDirectories.has(entry.name)) walk(full);
      } else if (!skippedFiles.test(entry.name)) {
        const { mtimeMs } = statSync(full);
        if (mtimeMs > newest.mtimeMs) newest = { file: path.relative(repositoryRoot, full), mtimeMs };
      }
    }
  };
  walk(path.join(repositoryRoot, folder));
  for (const file of rootInputs) {
    const { mtimeMs } = statSync(path.join(repositoryRoot, file));
    if (mtimeMs > newest.mtimeMs) newest = { file, mtimeMs };
  }
  return newest;
}

const stampPath = (workspace) => path.join(stampDirectory, `${workspace.folder}.stamp`);
const builtAt = (workspace) => (existsSync(stampPath(workspace)) ? statSync(stampPath(workspace)).mtimeMs : undefined);

/** Why `workspace` must be built, or undefined when its build is up to date. */
function staleReason(workspace, byName) {
  const built = builtAt(workspace);
  if (!existsSync(path.join(repositoryRoot, workspace.folder, 'dist'))) return 'no dist/';
  if (built === undefined) return 'no record of its last build';
  const input = newestInput(workspace.folder);
  if (input.mtimeMs > built) return `${input.file} changed`;
  const rebuilt = workspace.needs.find((name) => (builtAt(byName.get(name)) ?? Infinity) > built);
  return rebuilt ? `${rebuilt} was rebuilt` : undefined;
}

/** Runs one workspace's `npm run build` and stamps it; exits the process when the build fails. */
function buildOne(workspace) {
  const startedAt = new Date();
  const result = spawnSync('npm', ['run', 'build', '-w', workspace.name], { cwd: repositoryRoot, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`build: ${workspace.name} failed (exit ${result.status ?? result.signal})`);
    process.exit(result.status || 1);
  }
  mkdirSync(stampDirectory, { recursive: true });
  writeFileSync(stampPath(workspace), `${workspace.name} built at ${startedAt.toISOString()}\n`);
  utimesSync(stampPath(workspace), startedAt, startedAt);
}

/** Builds every workspace (`targets` unset) or only the stale ones that `targets` need. Returns the names built. */
export function build({ targets, onlyStale }) {
  const workspaces = listWorkspaces();
  const byName = new Map(workspaces.map((workspace) => [workspace.name, workspace]));
  const built = [];
  const upToDate = [];
  for (const workspace of inBuildOrder(workspaces, targets ?? workspaces.map(({ name }) => name))) {
    const reason = onlyStale ? staleReason(workspace, byName) : 'a full build';
    if (reason === undefined) {
      upToDate.push(workspace.name);
      continue;
    }
    console.log(`build: ${workspace.name} (${reason})`);
    buildOne(workspace);
    built.push(workspace.name);
  }
  if (upToDate.length > 0) console.log(`build: up to date: ${upToDate.join(', ')}`);
  return built;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [flag, ...names] = process.argv.slice(2);
  if (flag === '--stale') build({ targets: names.length > 0 ? names : undefined, onlyStale: true });
  else if (flag === undefined) build({ onlyStale: false });
  else {
    console.error('usage: node scripts/build.mjs [--stale <workspace>…]');
    process.exit(2);
  }
}
