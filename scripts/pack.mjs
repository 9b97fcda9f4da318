/**
 * `npm run pack:cli [-- <folder>]`: the SDK and the CLI as npm tarballs, for installing
 * them before (or without) the registry:
 *
 *   npm i -g <folder>/kikuai-sdk-*.tgz <folder>/kikuai-*.tgz
 *
 * The CLI depends on @kikuai/sdk, which npm looks for in the registry unless its tarball is
 * installed in the same command. Builds what is stale first, then packs without the
 * `prepack` scripts (the build they would run again has just been checked).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { build, repositoryRoot } from './build.mjs';

const PACKED = ['@kikuai/sdk', 'kikuai'];
const destination = path.resolve(process.argv[2] ?? path.join(repositoryRoot, 'tarballs'));

build({ targets: PACKED, onlyStale: true });
mkdirSync(destination, { recursive: true });
const workspaces = PACKED.flatMap((name) => ['-w', name]);
const result = spawnSync('npm', ['pack', ...workspaces, '--ignore-scripts', '--loglevel', 'warn', '--pack-destination', destination], {
  cwd: repositoryRoot,
  stdio: ['ignore', 'ignore', 'inherit'],
});
if (result.status !== 0) process.exit(result.status || 1);

const tarballs = readdirSync(destination).filter((file) => /^kikuai(-sdk)?-\d.*\.tgz$/.test(file));
console.log(`packed into ${destination}: ${tarballs.join(', ')}`);
console.log(`install the CLI: npm i -g ${path.join(destination, 'kikuai-sdk-*.tgz')} ${path.join(destination, 'kikuai-*.tgz')}`);
