import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { precompress } from './build/precompress.js';

// The server serves `dist/` at /webapp and the API on the same origin; every text file
// gets a `.br` and a `.gz` beside it (build/precompress.ts).
// `npm run dev` proxies /api to KIKUAI_API_URL (default http://localhost:8000).
export default defineConfig({
  base: '/webapp/',
  plugins: [svelte(), precompress()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    reportCompressedSize: true,
    // terser packs the app ~5 % smaller than esbuild's minifier (2.4 kB gzip of the 45 kB budget).
    minify: 'terser',
    terserOptions: { compress: { passes: 2 }, ecma: 2020, module: true },
  },
  server: {
    proxy: { '/api': { target: process.env.KIKUAI_API_URL ?? 'http://localhost:8000', changeOrigin: true } },
  },
});
