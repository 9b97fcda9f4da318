#!/usr/bin/env node
// Prints the gzipped size of the built app (run `npm run build` first), catalogs included.
// Target: under 45 kB of JavaScript. The `.br`/`.gz` files beside each asset are the same
// files pre-compressed for the server: they are listed, not counted again.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const targetKb = 45;
const dir = new URL('../dist/assets/', import.meta.url);
let js = 0;
let css = 0;
for (const name of readdirSync(dir)) {
  if (name.endsWith('.br') || name.endsWith('.gz')) continue;
  const size = gzipSync(readFileSync(new URL(name, dir)), { level: 9 }).length;
  if (name.endsWith('.js')) js += size;
  if (name.endsWith('.css')) css += size;
  const brotli = statSync(new URL(`${name}.br`, dir), { throwIfNoEntry: false })?.size;
  console.log(`${name.padEnd(32)} ${(size / 1024).toFixed(2)} kB gzip${brotli ? `, ${(brotli / 1024).toFixed(2)} kB brotli (as served)` : ''}`);
}
console.log(`JavaScript: ${(js / 1024).toFixed(2)} kB gzip (target < ${targetKb} kB); CSS: ${(css / 1024).toFixed(2)} kB gzip`);
if (js > targetKb * 1024) process.exitCode = 1;
