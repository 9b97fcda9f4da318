import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ensureBuilt } from './support/webapp.js';

/** Issue 17's acceptance: every JavaScript file the app ships, catalogs included, under 45 kB gzip (`npm run size`). */
const script = fileURLToPath(new URL('../scripts/size.mjs', import.meta.url));
const measure = (dist?: string) => spawnSync(process.execPath, dist ? [script, dist] : [script], { encoding: 'utf8' });

describe('the size of the Mini App', () => {
  it('ships under 45 kB gzip of JavaScript, both catalogs counted', () => {
    ensureBuilt();

    const result = measure();

    expect(result.stderr).toBe('');
    const figure = /JavaScript, every file with the catalogs: ([\d.]+) kB gzip/.exec(result.stdout)?.[1];
    expect(figure, result.stdout).toBeDefined();
    expect(Number(figure)).toBeLessThan(45);
    expect(result.status, result.stdout).toBe(0);
    // Both catalogs are in the figure: each language is its own file.
    expect(result.stdout).toMatch(/^en-[\w-]+\.js /m);
    expect(result.stdout).toMatch(/^ru-[\w-]+\.js /m);
  }, 180_000);

  it('fails when the JavaScript is over the target', () => {
    const dist = mkdtempSync(path.join(tmpdir(), 'kikuai-miniapp-size-'));
    try {
      mkdirSync(path.join(dist, 'assets'));
      // Random text does not compress: 50 kB gzip of "code", and a catalog beside it.
      writeFileSync(path.join(dist, 'assets', 'index-big.js'), `export const noise = ${JSON.stringify(randomBytes(48 * 1024).toString('base64'))};`);
      writeFileSync(path.join(dist, 'assets', 'ru-small.js'), `export const ru = { 'app.close': 'Закрыть' };`);

      const result = measure(dist);

      expect(result.status).toBe(1);
      expect(result.stdout).toMatch(/JavaScript, every file with the catalogs: (4[5-9]|[5-9]\d)\.\d\d kB gzip \(target < 45 kB\): OVER THE TARGET/);
    } finally {
      rmSync(dist, { recursive: true, force: true });
    }
  });
});
