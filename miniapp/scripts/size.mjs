#!/usr/bin/env node
// Prints the gzipped size of the built app (run `npm run build` first). Target: under 80 kB of JavaScript.
import { readdirSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const dir = new URL('../dist/assets/', import.meta.url);
let js = 0;
let css = 0;
for (const name of readdirSync(dir)) {
  const size = gzipSync(readFileSync(new URL(name, dir)), { level: 9 }).length;
  if (name.endsWith('.js')) js += size;
  if (name.endsWith('.css')) css += size;
  console.log(`${name.padEnd(32)} ${(size / 1024).toFixed(2)} kB gzip`);
}
console.log(`JavaScript: ${(js / 1024).toFixed(2)} kB gzip (target < 80 kB); CSS: ${(css / 1024).toFixed(2)} kB gzip`);
if (js > 80 * 1024) process.exitCode = 1;
