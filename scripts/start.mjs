/**
 * `npm start`: builds what the launcher needs and is stale (scripts/build.mjs), reads `.env`
 * at the repository root when there is one, then runs the launcher (the API, the bot, the
 * Mini App) in this process.
 *
 * A variable set in the real environment wins over the same one in `.env`
 * (`process.loadEnvFile` leaves variables that are already set alone). `.env` is read after
 * the build, so it configures the platform, never the build.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, repositoryRoot } from './build.mjs';

build({ targets: ['@kikuai/launcher'], onlyStale: true });

const envFile = path.join(repositoryRoot, '.env');
if (existsSync(envFile)) {
  process.loadEnvFile(envFile);
  console.log('config: .env read (variables set in the environment win over it)');
}

await import(pathToFileURL(path.join(repositoryRoot, 'launcher/dist/main.js')).href);
