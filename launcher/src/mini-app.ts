import { createRequire } from 'node:module';
import path from 'node:path';

/** The Mini App's build (`npm run build -w @kikuai/miniapp` writes it), found through its package. */
export function miniAppDir(): string {
  const packageJson = createRequire(import.meta.url).resolve('@kikuai/miniapp/package.json');
  return path.join(path.dirname(packageJson), 'dist');
}
