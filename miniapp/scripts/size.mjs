#!/usr/bin/env node
// Prints the gzipped size of the built app (run `npm run build` first) and fails above the target.
// Each language's catalog is its own chunk (src/lib/i18n/): a user downloads the app's code and the
// one catalog they read, so the target holds for "the code + the largest catalog"; the sum of every
// file is printed too. The `.br`/`.gz` files beside each asset are the same files pre-compressed for
// the server: listed, not counted again.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const targetKb = 45;
const dir = new URL('../dist/assets/', import.meta.url);
const kb = (bytes) => `${(bytes / 1024).toFixed(2)} kB`;
const catalogChunk = /^(en|ru)-[\w-]+\.js$/;

let code = 0;
let css = 0;
const catalogs = {};
for (const name of readdirSync(dir).sort()) {
  if (name.endsWith('.br') || name.endsWith('.gz')) continue;
  const size = gzipSync(readFileSync(new URL(name, dir)), { level: 9 }).length;
  const language = catalogChunk.exec(name)?.[1];
  if (language) catalogs[language] = size;
  else if (name.endsWith('.js')) code += size;
  if (name.endsWith('.css')) css += size;
  const brotli = statSync(new URL(`${name}.br`, dir), { throwIfNoEntry: false })?.size;
  console.log(`${name.padEnd(32)} ${kb(size)} gzip${brotli ? `, ${kb(brotli)} brotli (as served)` : ''}`);
}
const allJs = code + Object.values(catalogs).reduce((sum, size) => sum + size, 0);
const perLanguage = Object.entries(catalogs).map(([language, size]) => [language, code + size]);
const largest = Math.max(code, ...perLanguage.map(([, size]) => size));
for (const [language, size] of perLanguage) console.log(`JavaScript a user reading ${language} downloads: ${kb(size)} gzip`);
console.log(`JavaScript: ${kb(largest)} gzip with the largest catalog (target < ${targetKb} kB); every file: ${kb(allJs)}; CSS: ${kb(css)} gzip`);
if (largest > targetKb * 1024) process.exitCode = 1;
