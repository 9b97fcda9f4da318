/** The command reference in README.md is what `oclif readme` generates from the built commands. */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

describe('cli/README.md', () => {
  it('matches the commands (fix with `npm run build -w kikuai && npm run readme -w kikuai`)', () => {
    const script = fileURLToPath(new URL('../scripts/readme.mjs', import.meta.url));
    const output = execFileSync(process.execPath, [script, '--check'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(output.trim()).toBe('cli/README.md is up to date.');
  });
});
