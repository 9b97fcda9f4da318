import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// One root config, one project per package (STYLE.md). `npx vitest run --project server` runs one.
export default defineConfig({
  resolve: {
    // Tests run the test workspace and the server from their sources (the SDK stays the built one);
    // bench/ and anything else plain Node import the built testkit/dist (`npm run build`).
    alias: [
      { find: /^@kikuai\/testkit$/, replacement: fileURLToPath(new URL('./testkit/src/index.ts', import.meta.url)) },
      { find: /^@kikuai\/testkit\/(.+)$/, replacement: fileURLToPath(new URL('./testkit/src/', import.meta.url)) + '$1.ts' },
      { find: /^@kikuai\/server$/, replacement: fileURLToPath(new URL('./server/src/index.ts', import.meta.url)) },
    ],
  },
  test: {
    projects: [
      { extends: true, test: { name: 'sdk', root: './sdk', include: ['src/**/*.test.ts', 'test/**/*.test.ts'] } },
      { extends: true, test: { name: 'server', root: './server', include: ['src/**/*.test.ts', 'test/**/*.test.ts'] } },
      { extends: true, test: { name: 'testkit', root: './testkit', include: ['test/**/*.test.ts'] } },
      { extends: true, test: { name: 'bot', root: './bot', include: ['src/**/*.test.ts', 'test/**/*.test.ts'] } },
      { extends: true, test: { name: 'miniapp', root: './miniapp', include: ['test/**/*.test.ts'] } },
      { extends: true, test: { name: 'cli', root: './cli', include: ['src/**/*.test.ts', 'test/**/*.test.ts'] } },
      // Across packages: the layout rules, and the SDK against the real server (the SDK itself needs no server).
      { extends: true, test: { name: 'integration', root: '.', include: ['test/**/*.test.ts'] } },
    ],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
