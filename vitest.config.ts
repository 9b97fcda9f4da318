import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// One root config, one project per package (STYLE.md). `npx vitest run --project server` runs one.
export default defineConfig({
  resolve: {
    // Tests of other packages use the server's source as their harness (the SDK stays the built one).
    alias: [
      { find: /^@kikuai\/server\/testing$/, replacement: fileURLToPath(new URL('./server/src/testing/index.ts', import.meta.url)) },
      { find: /^@kikuai\/server$/, replacement: fileURLToPath(new URL('./server/src/index.ts', import.meta.url)) },
    ],
  },
  test: {
    projects: [
      { extends: true, test: { name: 'sdk', root: './sdk', include: ['src/**/*.test.ts', 'test/**/*.test.ts'] } },
      { extends: true, test: { name: 'server', root: './server', include: ['src/**/*.test.ts', 'test/**/*.test.ts'] } },
      { extends: true, test: { name: 'bot', root: './bot', include: ['src/**/*.test.ts', 'test/**/*.test.ts'] } },
      { extends: true, test: { name: 'miniapp', root: './miniapp', include: ['test/**/*.test.ts'] } },
      { extends: true, test: { name: 'cli', root: './cli', include: ['src/**/*.test.ts', 'test/**/*.test.ts'] } },
    ],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
