import { defineConfig } from 'vitest/config';

// One root config, one project per package (STYLE.md). `npx vitest run --project server` runs one.
export default defineConfig({
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
