/**
 * The layout rules of the monorepo, checked on the files themselves (issue 14):
 * - nothing under server/src reaches the bot, the CLI, the Mini App or the test workspace:
 *   not by import, not by a package name or folder held in a string and imported later;
 * - the test workspace is private, and no published package depends on it or exports it;
 * - the SDK lists no other workspace package in any dependency field except the test
 *   workspace, and uses only the testkit entries that do not load the server.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const TESTKIT = '@kikuai/testkit';
const DEPENDENCY_FIELDS = ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies', 'bundleDependencies', 'bundledDependencies'] as const;
const RUNTIME_FIELDS = ['dependencies', 'peerDependencies', 'optionalDependencies', 'bundleDependencies', 'bundledDependencies'] as const;

interface Manifest {
  name: string;
  private?: boolean;
  workspaces?: string[];
  exports?: unknown;
  files?: string[];
  [field: string]: unknown;
}

const readJson = (file: string): Manifest => JSON.parse(readFileSync(path.join(root, file), 'utf8')) as Manifest;
const workspaces = (readJson('package.json').workspaces ?? []).map((folder) => ({ folder, manifest: readJson(path.join(folder, 'package.json')) }));
const workspaceNames = new Set(workspaces.map(({ manifest }) => manifest.name));
const published = workspaces.filter(({ manifest }) => manifest.private !== true);

/** Dependency names listed in the given fields (arrays for bundleDependencies, objects otherwise). */
function dependencyNames(manifest: Manifest, fields: readonly string[]): Array<{ field: string; name: string }> {
  return fields.flatMap((field) => {
    const value = manifest[field];
    if (Array.isArray(value)) return value.map((name) => ({ field, name: String(name) }));
    if (value && typeof value === 'object') return Object.keys(value).map((name) => ({ field, name }));
    return [];
  });
}

/** Every source file under a folder of the repo (no dist, no node_modules). */
function filesUnder(folder: string, pattern = /\.(ts|mts|cts|js|mjs|cjs|json|lua|svelte|ya?ml)$/): string[] {
  return readdirSync(path.join(root, folder), { recursive: true, encoding: 'utf8' })
    .filter((file) => pattern.test(file) && !/(^|[\\/])(node_modules|dist)([\\/]|$)/.test(file))
    .map((file) => path.join(folder, file));
}

/**
 * What in a server source reaches a face or the test workspace. Looks at every string,
 * not only at import statements, so `const name = '@kikuai/bot'; await import(name)` is
 * caught as well. The CLI's package is called `kikuai`, which is also the product's name:
 * for it the check matches import specifiers, `kikuai/…` subpaths and the cli/ folder.
 */
export function forbiddenReferences(source: string): string[] {
  const rules: Array<[string, RegExp]> = [
    ['the bot, the Mini App or the test workspace by package name', /@kikuai\/(bot|miniapp|testkit)\b/g],
    ['the CLI by package name', /(\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*)['"`]kikuai(\/[^'"`]*)?['"`]|['"`]kikuai\/[^'"`]*['"`]/g],
    ['a sibling package folder by relative path', /\.\.[\\/]+(\.\.[\\/]+)*(bot|cli|miniapp|testkit)(?=[\\/'"`])/g],
    ['a face or the test workspace by folder', /(^|[^\w.-])(bot|cli|miniapp|testkit)[\\/](dist|src|bin|test|package\.json)\b/gm],
    ['the Mini App by name', /\bminiapp\b/gi],
  ];
  return rules.flatMap(([what, pattern]) => [...source.matchAll(pattern)].map((match) => `${what}: ${match[0].trim()}`));
}

describe('the layout check itself', () => {
  it('catches an import of a package name held in a variable, and folder paths', () => {
    expect(forbiddenReferences("const moduleName = '@kikuai/bot';\nawait import(moduleName);")).toHaveLength(1);
    expect(forbiddenReferences("import { startTestServer } from '@kikuai/testkit';")).toHaveLength(1);
    expect(forbiddenReferences("await import('kikuai/dist/index.js')")).not.toHaveLength(0);
    expect(forbiddenReferences("path.join(repositoryRoot, 'miniapp/dist')")).not.toHaveLength(0);
    expect(forbiddenReferences("path.resolve(here, '../../cli/bin/run.js')")).not.toHaveLength(0);
    expect(forbiddenReferences("app.decorate('kikuai', context); const prefix = 'kikuai:';")).toEqual([]);
    expect(forbiddenReferences("import { sendMessage } from '../telegram/bot-api.js'; import { x } from '../client.js';")).toEqual([]);
  });
});

describe('layout', () => {
  it('no file under server/src names the bot, the CLI, the Mini App or the test workspace', () => {
    const found = filesUnder('server/src').flatMap((file) =>
      forbiddenReferences(readFileSync(path.join(root, file), 'utf8')).map((reference) => `${file}: ${reference}`),
    );
    expect(found).toEqual([]);
  });

  it('the image installs every workspace: the Dockerfile copies each manifest before npm ci', () => {
    const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
    for (const { folder } of workspaces) expect(dockerfile, folder).toContain(`COPY ${folder}/package.json ${folder}/`);
  });

  it('the test workspace is a private workspace', () => {
    const testkit = workspaces.find(({ manifest }) => manifest.name === TESTKIT);
    expect(testkit?.manifest.private).toBe(true);
  });

  it('no published package depends on the test workspace, exports it or imports it from its sources', () => {
    expect(published.map(({ manifest }) => manifest.name).sort()).toEqual(['@kikuai/sdk', 'kikuai']);
    for (const { folder, manifest } of published) {
      expect(
        dependencyNames(manifest, RUNTIME_FIELDS).filter(({ name }) => name === TESTKIT),
        `${folder}/package.json`,
      ).toEqual([]);
      expect(JSON.stringify(manifest.exports ?? {}), `${folder}/package.json exports`).not.toMatch(/testkit|test\//);
      const sources = filesUnder(path.join(folder, 'src'), /\.(ts|mts|cts|js|mjs|cjs)$/).filter((file) => !/\.test\.ts$/.test(file));
      expect(
        sources.filter((file) => readFileSync(path.join(root, file), 'utf8').includes(TESTKIT)),
        `${folder}/src`,
      ).toEqual([]);
    }
  });

  it('the SDK lists no other workspace package in any dependency field except the test workspace', () => {
    const sdk = readJson('sdk/package.json');
    const others = dependencyNames(sdk, DEPENDENCY_FIELDS).filter(({ name }) => workspaceNames.has(name) && name !== TESTKIT);
    expect(others).toEqual([]);
  });

  it("the SDK's tests use only testkit entries that do not load the server", () => {
    const imported = new Set<string>();
    for (const file of filesUnder('sdk', /\.(ts|mts|js|mjs)$/)) {
      const source = readFileSync(path.join(root, file), 'utf8');
      // Import specifiers only: the generated types quote the CLI's name in the spec's examples.
      const specifiers = [...source.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|\brequire\s*\(\s*)['"`]([^'"`]+)['"`]/g)].map((match) => match[1]!);
      expect(
        specifiers.filter((specifier) => /^@kikuai\/(server|bot|miniapp)\b|^kikuai(\/|$)/.test(specifier)),
        file,
      ).toEqual([]);
      for (const match of source.matchAll(/['"`]@kikuai\/testkit(\/[\w-]+)?['"`]/g)) {
        expect(match[1], `${file} imports the whole testkit (which starts the server); import a subpath`).toBeDefined();
        imported.add(match[1]!.slice(1));
      }
    }
    // Follow the testkit's own relative imports from each entry the SDK uses.
    const seen = new Set<string>();
    const queue = [...imported];
    while (queue.length > 0) {
      const module = queue.pop()!;
      if (seen.has(module)) continue;
      seen.add(module);
      const source = readFileSync(path.join(root, 'testkit/src', `${module}.ts`), 'utf8');
      expect(source, `testkit/src/${module}.ts (reached from the SDK's tests)`).not.toMatch(/@kikuai\/server/);
      for (const match of source.matchAll(/from\s+['"]\.\/([\w-]+)\.js['"]/g)) queue.push(match[1]!);
    }
  });
});
