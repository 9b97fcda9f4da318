/**
 * A local npm registry for installing the packed SDK and CLI offline: it answers the
 * metadata (packuments) of every package in the root package-lock.json, built from the
 * lock file's entries. The tarballs themselves come from the npm cache, which holds every
 * one since `npm ci` ran (npm reads a tarball from its cache by integrity before fetching
 * it); a tarball or package it is asked for and does not have is recorded in `misses`.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

interface LockEntry {
  name?: string;
  version?: string;
  integrity?: string;
  link?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, unknown>;
  bin?: Record<string, string>;
  engines?: Record<string, string>;
  os?: string[];
  cpu?: string[];
}

export interface LockfileRegistry {
  url: string;
  misses: string[];
  close(): Promise<void>;
}

const compareVersions = (left: string, right: string) => left.localeCompare(right, 'en', { numeric: true });

export async function startLockfileRegistry(repositoryRoot: string): Promise<LockfileRegistry> {
  const lock = JSON.parse(readFileSync(path.join(repositoryRoot, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const versions = new Map<string, Map<string, LockEntry>>();
  for (const [key, entry] of Object.entries(lock.packages)) {
    if (!key.includes('node_modules/') || entry.link || !entry.version || !entry.integrity) continue;
    const name = entry.name ?? key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length);
    if (!versions.has(name)) versions.set(name, new Map());
    versions.get(name)!.set(entry.version, entry);
  }

  const misses: string[] = [];
  const server = createServer((request, response) => {
    const requested = decodeURIComponent(new URL(request.url ?? '/', 'http://registry').pathname.slice(1));
    const known = versions.get(requested);
    if (request.method !== 'GET' || !known) {
      misses.push(`${request.method} ${requested}`);
      response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
      return;
    }
    const tarballBase = `${url}/${requested}/-/${requested.split('/').pop()}`;
    const packument = {
      name: requested,
      'dist-tags': { latest: [...known.keys()].sort(compareVersions).at(-1) },
      versions: Object.fromEntries(
        [...known].map(([version, entry]) => [
          version,
          {
            name: requested,
            version,
            dependencies: entry.dependencies,
            optionalDependencies: entry.optionalDependencies,
            peerDependencies: entry.peerDependencies,
            peerDependenciesMeta: entry.peerDependenciesMeta,
            bin: entry.bin,
            engines: entry.engines,
            os: entry.os,
            cpu: entry.cpu,
            dist: { tarball: `${tarballBase}-${version}.tgz`, integrity: entry.integrity },
          },
        ]),
      ),
    };
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(packument));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, misses, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
